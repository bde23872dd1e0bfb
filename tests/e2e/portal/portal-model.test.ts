/**
 * The portal's pure parts (no browser): expiry classification, file names,
 * request bodies, field mapping, API URLs; and the build, whose output must
 * run under the strict CSP (no inline script or style).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPortal, PORTAL_FILES } from "../../../src/portal/build-portal.js";
import {
  apiUrl,
  base64ToBytes,
  classifyExpiry,
  controlNameForField,
  downloadFileName,
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
