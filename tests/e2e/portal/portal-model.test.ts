/**
 * The portal's pure parts (no browser): expiry classification, file names,
 * request bodies, field mapping, API URLs, the inventory census's counts and
 * expiry weeks; and the build, whose output must run under the strict CSP (no
 * inline script or style).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IotServiceError } from "../../../src/core/errors.js";
import { iotRegistrationView } from "../../../src/http/iot-device-responses.js";
import { registerCaWithIotBody } from "../../../src/http/request-schemas.js";
import { buildPortal, PORTAL_FILES } from "../../../src/portal/build-portal.js";
import {
  addToTally,
  bestCount,
  censusCount,
  EXPIRY_WEEKS,
  expiryWeek,
  expiryWeekRanges,
  formatCount,
  type IssuerTally,
  sumTallies,
} from "../../../src/portal/inventory-census.js";
import {
  apiUrl,
  base64ToBytes,
  classifyExpiry,
  controlNameForField,
  type DeviceIotRegistration,
  deviceIotSummary,
  downloadFileName,
  type InventoryItem,
  iotRegistrationBody,
  jitpLabel,
  requestBody,
  resolveApiBaseUrl,
  safeFileStem,
} from "../../../src/portal/model.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const inDays = (days: number) => new Date(NOW.getTime() + days * 24 * 60 * 60 * 1000).toISOString();

describe("classifyExpiry", () => {
  it("says revoked and expired first, then expiring within 30 days, in words", () => {
    expect(classifyExpiry("revoked", inDays(10), NOW)).toMatchObject({ state: "revoked", label: "Revoked" });
    expect(classifyExpiry("expired", inDays(-1), NOW)).toMatchObject({ state: "expired", label: "Expired" });
    // The inventory's status is computed on the server's clock; the page trusts its own for the boundary.
    expect(classifyExpiry("valid", inDays(-0.01), NOW)).toMatchObject({ state: "expired" });
    expect(classifyExpiry("valid", inDays(0.5), NOW)).toMatchObject({ state: "expiring", label: "Expires in 1 day" });
    expect(classifyExpiry("valid", inDays(10), NOW)).toMatchObject({ state: "expiring", label: "Expires in 10 days" });
    expect(classifyExpiry("valid", inDays(30), NOW)).toMatchObject({ state: "expiring", label: "Expires in 30 days" });
    expect(classifyExpiry("valid", inDays(30.01), NOW)).toMatchObject({ state: "valid", label: "Valid" });
    expect(classifyExpiry("valid", inDays(365), NOW)).toMatchObject({ state: "valid", label: "Valid" });
  });
});

describe("inventory census", () => {
  const device = (issuer: string, notAfter: string, status: InventoryItem["status"] = "valid"): InventoryItem => ({
    id: "x",
    kind: "device",
    serial_number: "0".repeat(32),
    issuer,
    not_after: notAfter,
    key_algorithm: "EC-P256",
    status,
  });

  it("says how sure a count is, and keeps the larger of two", () => {
    expect(formatCount({ value: 10_000, qualifier: "exactly" })).toBe("10,000");
    expect(formatCount({ value: 25, qualifier: "more than" })).toBe("more than 25");
    expect(formatCount({ value: 20_000, qualifier: "at least" })).toBe("at least 20,000");
    const exact = { value: 30, qualifier: "exactly" } as const;
    expect(bestCount({ value: 25, qualifier: "more than" }, exact)).toBe(exact);
    expect(bestCount({ value: 25, qualifier: "more than" }, { value: 25, qualifier: "at least" })).toEqual({
      value: 25,
      qualifier: "more than",
    });
    expect(bestCount({ value: 50, qualifier: "more than" }, { value: 20_000, qualifier: "at least" })).toEqual({
      value: 20_000,
      qualifier: "at least",
    });
    expect(bestCount(undefined, undefined)).toEqual({ value: 0, qualifier: "exactly" });
  });

  it("puts a valid certificate in the week (from today, UTC days) it expires; none past 90 days", () => {
    // NOW is 2026-06-01T12:00Z: week 0 is June 1–7, week 12 is August 24–29 (90 days: June 1 to August 29).
    expect(expiryWeek(device("a", inDays(0.1)), NOW)).toBe(0);
    expect(expiryWeek(device("a", "2026-06-07T23:59:59Z"), NOW)).toBe(0);
    expect(expiryWeek(device("a", "2026-06-08T00:00:00Z"), NOW)).toBe(1);
    expect(expiryWeek(device("a", "2026-08-29T23:59:59Z"), NOW)).toBe(12);
    expect(expiryWeek(device("a", "2026-08-30T00:00:00Z"), NOW)).toBeUndefined();
    expect(expiryWeek(device("a", inDays(-0.1)), NOW)).toBeUndefined();
    expect(expiryWeek(device("a", inDays(5), "revoked"), NOW)).toBeUndefined();
    expect(EXPIRY_WEEKS).toBe(13);
    const ranges = expiryWeekRanges(NOW);
    expect(ranges[0]).toEqual({ first: "2026-06-01", last: "2026-06-07" });
    expect(ranges[1]).toEqual({ first: "2026-06-08", last: "2026-06-14" });
    expect(ranges.at(-1)).toEqual({ first: "2026-08-24", last: "2026-08-29" });
  });

  it("tallies pages by issuer and counts exactly only a census that read every page", () => {
    const byIssuer = new Map<string, IssuerTally>();
    addToTally(byIssuer, [device("fleet", inDays(3)), device("fleet", inDays(400)), device("lab", inDays(9))], NOW);
    addToTally(byIssuer, [device("fleet", inDays(3.2)), device("fleet", inDays(10), "revoked")], NOW);
    expect(byIssuer.get("fleet")?.total).toBe(4);
    expect(byIssuer.get("fleet")?.expiringByWeek.slice(0, 2)).toEqual([2, 0]);
    expect(byIssuer.get("lab")?.expiringByWeek.slice(0, 2)).toEqual([0, 1]);
    const both = sumTallies([byIssuer.get("fleet"), byIssuer.get("lab"), undefined]);
    expect(both.total).toBe(5);
    expect(both.expiringByWeek.reduce((sum, count) => sum + count, 0)).toBe(3);

    const census = { byIssuer, itemsByIssuer: new Map(), read: 5 };
    expect(censusCount({ ...census, complete: true }, "fleet")).toEqual({ value: 4, qualifier: "exactly" });
    expect(censusCount({ ...census, complete: false }, "fleet")).toEqual({ value: 4, qualifier: "at least" });
    expect(censusCount({ ...census, complete: true }, "nobody")).toEqual({ value: 0, qualifier: "exactly" });
  });
});

describe("download file names", () => {
  it("names leaves after their subject and CAs with a suffix", () => {
    expect(downloadFileName("server", "broker.dev.example.com", "certificate")).toBe("broker.dev.example.com.crt");
    expect(downloadFileName("server", "broker.dev.example.com", "chain")).toBe("broker.dev.example.com-chain.pem");
    expect(downloadFileName("server", "broker.dev.example.com", "key")).toBe("broker.dev.example.com.key");
    expect(downloadFileName("device", "sensor-0001", "pkcs12")).toBe("sensor-0001.p12");
    expect(downloadFileName("device", "sensor-0001", "fullchain")).toBe("sensor-0001-fullchain.pem");
    expect(downloadFileName("root", "default", "certificate")).toBe("default-root-ca.crt");
    expect(downloadFileName("intermediate", "servers", "chain")).toBe("servers-intermediate-ca-chain.pem");
  });

  it("never produces a path or a hidden file", () => {
    expect(safeFileStem("../../etc/passwd")).toBe("etc_passwd");
    expect(safeFileStem("*.dev.example.com")).toBe("wildcard.dev.example.com");
    expect(safeFileStem("a b/c\\d")).toBe("a_b_c_d");
    expect(safeFileStem("...")).toBe("certificate");
    expect(safeFileStem("x".repeat(300))).toHaveLength(100);
  });
});

describe("requestBody", () => {
  it("leaves out empty values, types numbers and lists, and passes odd input through for the API to judge", () => {
    expect(
      requestBody([
        { name: "fqdn", value: " broker.local ", encoding: "text" },
        { name: "state", value: "  ", encoding: "text" },
        { name: "validity_days", value: "365", encoding: "integer" },
        { name: "subject_alt_names", value: "a.example.com, 10.0.0.1\n b.example.com", encoding: "list" },
        { name: "csr", value: "-----BEGIN CERTIFICATE REQUEST-----\r\nAAA\r\n", encoding: "pem" },
      ]),
    ).toEqual({
      fqdn: "broker.local",
      validity_days: 365,
      subject_alt_names: ["a.example.com", "10.0.0.1", "b.example.com"],
      csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAA\n",
    });
    expect(requestBody([{ name: "validity_days", value: "ten", encoding: "integer" }])).toEqual({
      validity_days: "ten",
    });
    expect(requestBody([{ name: "validity_days", value: "1.5", encoding: "integer" }])).toEqual({
      validity_days: "1.5",
    });
  });
});

describe("AWS IoT Core registration", () => {
  it("sends the mode, and with JITP the default template, in a body the API's schema accepts", () => {
    const sniOnly = iotRegistrationBody({ mode: "SNI_ONLY", jitp: false });
    const withJitp = iotRegistrationBody({ mode: "DEFAULT", jitp: true });
    expect(sniOnly).toEqual({ mode: "SNI_ONLY" });
    expect(withJitp).toEqual({ mode: "DEFAULT", provisioning: { template: "default" } });
    expect(registerCaWithIotBody.parse(sniOnly)).toMatchObject({ mode: "SNI_ONLY", provisioning: undefined });
    expect(registerCaWithIotBody.parse(withJitp)).toMatchObject({
      mode: "DEFAULT",
      provisioning: { template: "default", roleArn: undefined },
    });
  });

  it("says whether JITP is on, and with which template", () => {
    expect(jitpLabel({ provisioning_template: "default" })).toBe("on (default template)");
    expect(jitpLabel({ provisioning_template: "custom" })).toBe("on (custom template)");
    expect(jitpLabel({})).toBe("off");
  });

  it("puts a problem about provisioning under the JITP checkbox", () => {
    expect(controlNameForField("provisioning.role_arn", ["mode", "provisioning"])).toBe("provisioning");
  });

  it("says in words what IoT did with a device certificate, from the API's own `iot` view", () => {
    const serial = "0a".repeat(16);
    const registered: DeviceIotRegistration = iotRegistrationView(serial, {
      registered: true,
      created: true,
      registration: {
        serial_number: serial,
        iot_certificate_id: "c0ffee",
        iot_certificate_arn: "arn:aws:iot:eu-north-1:123456789012:cert/c0ffee",
        registered: "with_ca",
        thing_name: "lamp-1",
        policy_name: "LampPolicy",
        registered_at: NOW.toISOString(),
      },
    });
    expect(deviceIotSummary(registered)).toBe("registered as certificate c0ffee (thing lamp-1, policy LampPolicy)");
    const failed: DeviceIotRegistration = iotRegistrationView(serial, {
      registered: false,
      failedStep: "attach_policy",
      error: new IotServiceError("ResourceNotFoundException", "policy LampPolicy does not exist"),
      options: { policyName: "LampPolicy" },
    });
    expect(deviceIotSummary(failed)).toBe(
      `not registered: step attach_policy failed (ResourceNotFoundException: policy LampPolicy does not exist); retry with POST /certificates/device/${serial}/iot-registration`,
    );
  });
});

describe("controlNameForField", () => {
  it("maps a problem's field to the control that shows it", () => {
    const names = ["fqdn", "subject_alt_names", "issuer"];
    expect(controlNameForField("fqdn", names)).toBe("fqdn");
    expect(controlNameForField("subject_alt_names.2", names)).toBe("subject_alt_names");
    expect(controlNameForField("colour", names)).toBeUndefined();
    expect(controlNameForField(undefined, names)).toBeUndefined();
    expect(controlNameForField("fqdn", ["name", "common_name"])).toBe("common_name");
  });
});

describe("API base URL", () => {
  it("defaults to the page's origin and accepts an http(s) URL with a stage path", () => {
    const origin = "http://127.0.0.1:3000";
    expect(resolveApiBaseUrl(undefined, origin)).toBe(origin);
    expect(resolveApiBaseUrl({ apiBaseUrl: "" }, origin)).toBe(origin);
    expect(resolveApiBaseUrl({ apiBaseUrl: "javascript:alert(1)" }, origin)).toBe(origin);
    expect(resolveApiBaseUrl({ apiBaseUrl: 42 }, origin)).toBe(origin);
    expect(resolveApiBaseUrl({ apiBaseUrl: "https://abc.execute-api.eu-north-1.amazonaws.com/Prod/" }, origin)).toBe(
      "https://abc.execute-api.eu-north-1.amazonaws.com/Prod",
    );
    expect(apiUrl("https://api.example.test/Prod", "/certificates/device", { issuer: "devices", status: "" })).toBe(
      "https://api.example.test/Prod/certificates/device?issuer=devices",
    );
  });

  it("decodes a base64 PKCS#12 bundle to bytes", () => {
    expect(Array.from(base64ToBytes("AAEC/w=="))).toEqual([0, 1, 2, 255]);
  });
});

describe("buildPortal", () => {
  it("writes the static site, whose HTML runs under the strict CSP", async () => {
    const out = temporaryDirectory("iot-certs-portal-build-");
    try {
      await buildPortal(out.path, { apiBaseUrl: "https://api.example.test" });
      for (const file of PORTAL_FILES) expect(readFileSync(join(out.path, file)).length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(out.path, "config.json"), "utf8"))).toEqual({
        apiBaseUrl: "https://api.example.test",
      });
      const html = readFileSync(join(out.path, "index.html"), "utf8");
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
      const script = readFileSync(join(out.path, "app.js"), "utf8");
      expect(script).not.toMatch(/innerHTML|outerHTML\s*=|eval\(|new Function/);
    } finally {
      out.remove();
    }
  });
});
