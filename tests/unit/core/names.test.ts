/**
 * The naming rules every request value passes before it names a certificate
 * or becomes part of an object key: RFC 1123 host names, SAN wildcards, IP
 * literals, URIs, CA names and device ids.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CA_NAME_PATTERN,
  DEVICE_ID_PATTERN,
  isCertificateDnsName,
  isHostName,
  isIpAddress,
  isUri,
  MAX_DNS_NAME_LENGTH,
} from "../../../src/core/names.js";

/** Values that must never become a folder name: traversal, separators, encodings, control and look-alike characters. */
const HOSTILE = [
  "",
  ".",
  "..",
  "../../etc",
  "../etc/passwd",
  "a/b",
  "/etc/passwd",
  "a\\b",
  "..\\..\\windows",
  "%2e%2e",
  "%2e%2e%2fetc",
  "a\u0000b",
  "example.com\u0000",
  "a\nb",
  "ｅxample.com", // fullwidth Latin small e
  "exаmple.com", // Cyrillic а
  "a b.example.com",
  "example.com ",
];

describe("isHostName (RFC 1123)", () => {
  it.each([
    "localhost",
    "broker",
    "broker.dev.example.com",
    "a-b.example.com",
    "a1.example.com",
    "1a.example.com",
    "123.example.com",
    "xn--bcher-kva.example",
    `${"a".repeat(63)}.example.com`,
  ])("accepts %s", (value) => {
    expect(isHostName(value)).toBe(true);
  });

  it.each([
    ...HOSTILE,
    "Broker.example.com", // only lowercase: the schema lowercases first
    "-a.example.com",
    "a-.example.com",
    "a..b",
    ".example.com",
    "example.com.",
    "a_b.example.com",
    "*.example.com",
    "1.2.3.4",
    "10.0.0.1",
    "123",
    `${"a".repeat(64)}.example.com`,
  ])("refuses %j", (value) => {
    expect(isHostName(value)).toBe(false);
  });

  it(`accepts exactly ${MAX_DNS_NAME_LENGTH} characters and no more`, () => {
    const label = "a".repeat(63);
    const longest = [label, label, label, "a".repeat(61)].join("."); // 63*3 + 61 + 3 dots = 253
    expect(longest).toHaveLength(MAX_DNS_NAME_LENGTH);
    expect(isHostName(longest)).toBe(true);
    expect(isHostName(`a${longest}`)).toBe(false);
    expect(isHostName("a.".repeat(2000).slice(0, -1))).toBe(false);
  });

  it("never accepts a value that could leave its folder or hide a different name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (value) => {
        if (!isHostName(value)) return;
        expect(value).toMatch(/^[a-z0-9.-]+$/);
        expect(value).not.toContain("..");
        expect(value.startsWith(".")).toBe(false);
        expect(value.length).toBeLessThanOrEqual(MAX_DNS_NAME_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("isCertificateDnsName (SAN entries, wildcards)", () => {
  it.each(["broker.dev.example.com", "localhost", "*.dev.example.com", "*.example.com"])("accepts %s", (value) => {
    expect(isCertificateDnsName(value)).toBe(true);
  });

  it.each([
    ["*", "a bare wildcard"],
    ["*.com", "a wildcard over a single label"],
    ["*.localhost", "a wildcard over a single label"],
    ["foo*.example.com", "a partial-label wildcard"],
    ["*foo.example.com", "a partial-label wildcard"],
    ["f*o.example.com", "a partial-label wildcard"],
    ["a.*.example.com", "a wildcard that is not the leftmost label"],
    ["*.*.example.com", "two wildcards"],
    ["**.example.com", "a double star"],
    ["*.", "a wildcard over nothing"],
    ["*..example.com", "an empty label"],
    ["*.Example.com", "uppercase"],
    ["*.../etc", "traversal"],
  ])("refuses %s (%s)", (value) => {
    expect(isCertificateDnsName(value)).toBe(false);
  });

  it.each(HOSTILE)("refuses hostile value %j", (value) => {
    expect(isCertificateDnsName(value)).toBe(false);
  });
});

describe("isIpAddress", () => {
  it.each(["192.0.2.1", "10.0.0.1", "0.0.0.0", "2001:db8::1", "::1", "fe80::1"])("accepts %s", (value) => {
    expect(isIpAddress(value)).toBe(true);
  });

  it.each(["256.1.1.1", "1.2.3", "192.0.2.1/24", "example.com", "", "::g", " 192.0.2.1"])("refuses %j", (value) => {
    expect(isIpAddress(value)).toBe(false);
  });
});

describe("isUri", () => {
  it.each([
    "urn:dev:ops:sensor-0001",
    "spiffe://example.org/device/sensor-1",
    "https://example.com/devices/1",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
  ])("accepts %s", (value) => {
    expect(isUri(value)).toBe(true);
  });

  it.each([
    "example.com",
    "sensor-0001",
    "urn:",
    ":no-scheme",
    "1http://example.com",
    "http://exa mple.com",
    "urn:dev:\nops",
    "",
  ])("refuses %j", (value) => {
    expect(isUri(value)).toBe(false);
  });
});

describe("CA names", () => {
  it.each(["default", "servers", "devices", "a", "team-1-devices", "a".repeat(63)])("accepts %s", (value) => {
    expect(CA_NAME_PATTERN.test(value)).toBe(true);
  });

  it.each([...HOSTILE, "Servers", "-servers", "servers-", "my_ca", "my.ca", "a".repeat(64)])("refuses %j", (value) => {
    expect(CA_NAME_PATTERN.test(value)).toBe(false);
  });
});

describe("device ids", () => {
  it.each(["sensor-0001", "Sensor_01", "6e8bc430-9c3a-11d9-9669-0800200c9a66", "a.b", "a".repeat(64)])(
    "accepts %s",
    (value) => {
      expect(DEVICE_ID_PATTERN.test(value)).toBe(true);
    },
  );

  it.each([...HOSTILE, ".hidden", "_a", "-a", "a".repeat(65)])("refuses %j", (value) => {
    expect(DEVICE_ID_PATTERN.test(value)).toBe(false);
  });

  it("never accepts a value with a path separator or a leading dot", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 70 }), (value) => {
        if (!DEVICE_ID_PATTERN.test(value)) return;
        expect(value).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
        expect(value.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 2000 },
    );
  });
});
