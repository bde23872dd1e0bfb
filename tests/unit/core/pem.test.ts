/**
 * The one PEM encoder: what OpenSSL writes, byte for byte, and a decoder that
 * reads what users paste (CRLF, text around the block).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pemDecode, pemEncode } from "../../../src/core/pem.js";

function openssl(args: string[], more: string[], input?: string): Buffer {
  const result = spawnSync("openssl", [...args, ...more], { input });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

describe("pemEncode", () => {
  it("writes what openssl writes: 64-character base64 lines, LF, one trailing newline", () => {
    const certificate = openssl(
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null"],
      ["-subj", "/O=Acme IoT/CN=a certificate long enough for many lines"],
    ).toString("utf8");
    const der = openssl(["x509", "-outform", "DER"], [], certificate);
    expect(der.length).toBeGreaterThan(300);
    expect(pemEncode(der, "CERTIFICATE")).toBe(certificate);
  });

  it.each([0, 1, 47, 48, 49, 96, 1000])("encodes %i octets in whole 64-character lines", (length) => {
    const der = randomBytes(length);
    const pem = pemEncode(der, "X509 CRL");
    const lines = pem.split("\n");
    expect(lines[0]).toBe("-----BEGIN X509 CRL-----");
    expect(lines.at(-2)).toBe("-----END X509 CRL-----");
    expect(lines.at(-1)).toBe("");
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(body.join("")).toBe(der.toString("base64"));
  });

  it("takes an ArrayBuffer or any view of one (only the viewed octets)", () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(pemEncode(bytes.buffer, "X")).toBe(pemEncode(Buffer.from([1, 2, 3, 4, 5, 6]), "X"));
    expect(pemDecode(pemEncode(bytes.subarray(2, 4), "X"), "X")).toEqual(Uint8Array.from([3, 4]));
  });
});

describe("pemDecode", () => {
  it("reads back what pemEncode writes", () => {
    const der = randomBytes(300);
    expect(Buffer.from(pemDecode(pemEncode(der, "PRIVATE KEY"), "PRIVATE KEY"))).toEqual(der);
  });

  it("reads CRLF line ends and text around the block, and only the label asked for", () => {
    const der = randomBytes(100);
    const pasted = `Bag Attributes\r\n${pemEncode(der, "PRIVATE KEY").replaceAll("\n", "\r\n")}trailing text`;
    expect(Buffer.from(pemDecode(pasted, "PRIVATE KEY"))).toEqual(der);
    expect(() => pemDecode(pasted, "CERTIFICATE")).toThrow("not a PEM CERTIFICATE");
    expect(() => pemDecode("-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n", "PRIVATE KEY")).toThrow(
      "not a PEM PRIVATE KEY",
    );
  });
});
