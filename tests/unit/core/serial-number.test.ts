/**
 * Serial numbers: 16 octets, positive as a DER INTEGER (never padded, never
 * shortened), random enough to be unique, and safe as a folder name.
 */
import { describe, expect, it } from "vitest";
import { buildCertificate } from "../../../src/core/certificate-builder.js";
import { generateKeyPair } from "../../../src/core/key-algorithms.js";
import {
  isSerialNumber,
  randomSerialNumber,
  SERIAL_NUMBER_OCTETS,
  serialNumberOctets,
} from "../../../src/core/serial-number.js";
import { SoftwareSigner } from "../../../src/core/signer.js";
import { validityPeriod } from "../../../src/core/validity.js";
import { opensslText } from "../../support/openssl.js";

/** A Crypto whose random bytes are all `fill`. */
function fixedCrypto(fill: number): Crypto {
  return {
    getRandomValues: <T extends ArrayBufferView | null>(array: T) => {
      if (array) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(fill);
      return array;
    },
  } as Crypto;
}

describe("randomSerialNumber", () => {
  it("is 16 octets as 32 lowercase hex digits", () => {
    expect(SERIAL_NUMBER_OCTETS).toBe(16);
    for (let i = 0; i < 200; i++) {
      const serial = randomSerialNumber();
      expect(serial).toMatch(/^[0-9a-f]{32}$/);
      expect(isSerialNumber(serial)).toBe(true);
    }
  });

  it("clears the top bit (positive INTEGER) and sets the next (no leading zero octet)", () => {
    for (let i = 0; i < 500; i++) {
      const first = Number.parseInt(randomSerialNumber().slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(0x40);
      expect(first).toBeLessThanOrEqual(0x7f);
    }
  });

  it("keeps the first octet in 0x40..0x7f whatever the random source gives", () => {
    expect(randomSerialNumber(fixedCrypto(0xff))).toBe(`7f${"ff".repeat(15)}`);
    expect(randomSerialNumber(fixedCrypto(0x00))).toBe(`40${"00".repeat(15)}`);
    expect(randomSerialNumber(fixedCrypto(0x80))).toBe(`40${"80".repeat(15)}`);
  });

  it("does not repeat over many draws", () => {
    const serials = new Set(Array.from({ length: 10_000 }, () => randomSerialNumber()));
    expect(serials.size).toBe(10_000);
  });

  it("is encoded as a 16-octet positive INTEGER in a certificate", async () => {
    const keys = await generateKeyPair("EC-P256");
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const certificate = await buildCertificate(
        {
          kind: "root",
          subject: { commonName: "Serial Test Root" },
          subjectPublicKey: keys.publicKey,
          subjectKeyAlgorithm: "EC-P256",
          validity: validityPeriod({ now: new Date(), validityDays: 1 }),
        },
        { selfSigner: new SoftwareSigner(keys.privateKey, "EC-P256") },
      );
      // The DER content octets, as parsed back: exactly 16, first below 0x80 (so no 00 pad was needed).
      const serial = certificate.serialNumber.toLowerCase();
      expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
      serials.add(serial);
      const text = opensslText(certificate.toString("pem"));
      const printed = /Serial Number:\s*\n?\s*([0-9a-f:]+)/i.exec(text)?.[1]?.replaceAll(":", "");
      expect(printed).toBe(serial);
      expect(text).not.toMatch(/Serial Number:.*\(Negative\)/);
    }
    expect(serials.size).toBe(5);
  });
});

describe("isSerialNumber", () => {
  it.each([
    "",
    "0",
    "7f".repeat(15),
    "7f".repeat(17),
    "7F".repeat(16),
    `../${"0".repeat(29)}`,
    `${"0".repeat(31)}/`,
    `${"0".repeat(31)}g`,
    ` ${"0".repeat(32)}`,
  ])("refuses %j", (value) => {
    expect(isSerialNumber(value)).toBe(false);
  });
});

describe("serialNumberOctets", () => {
  const hex = (value: string) => Buffer.from(serialNumberOctets(value)).toString("hex");

  it("gives the content octets of a positive INTEGER: minimal, 00 before a high first octet", () => {
    expect(hex("4a5b6c7d8e9f00112233445566778899")).toBe("4a5b6c7d8e9f00112233445566778899");
    expect(hex("ff02030405060708090a0b0c0d0e0f10")).toBe("00ff02030405060708090a0b0c0d0e0f10");
    expect(hex("0001")).toBe("01");
    expect(hex("0080")).toBe("0080");
    expect(hex("abc")).toBe("0abc");
    expect(hex("ABC")).toBe("0abc");
  });

  it.each(["", "0", "0000", "-1", "xyz", "12 34"])("refuses %j (not a positive hex integer)", (value) => {
    expect(() => serialNumberOctets(value)).toThrow(RangeError);
  });
});
