/**
 * The software Signer: signatures that node:crypto (OpenSSL) verifies with the
 * key pair's public key, in the form X.509 carries them (ECDSA: DER
 * ECDSA-Sig-Value), and the AlgorithmIdentifier each key algorithm signs with.
 */
import { KeyObject, verify } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { generateKeyPair, KEY_ALGORITHMS, type KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { SoftwareSigner, signatureAlgorithmIdentifier } from "../../../src/core/signer.js";

const DATA = new TextEncoder().encode("TBSCertificate stand-in: the bytes a CA signs");

/** The digest node:crypto.verify takes for a key algorithm (Ed25519: none, the algorithm hashes itself). */
function digestOf(algorithm: KeyAlgorithm): string | null {
  if (algorithm === "Ed25519") return null;
  return algorithm === "EC-P384" ? "sha384" : "sha256";
}

function verifies(algorithm: KeyAlgorithm, publicKey: CryptoKey, signature: Uint8Array, data = DATA): boolean {
  return verify(digestOf(algorithm), data, { key: KeyObject.from(publicKey), dsaEncoding: "der" }, signature);
}

/** A Crypto that is not Node's own object (as a test double or another provider would be): WebCrypto path only. */
const otherCrypto = { subtle: globalThis.crypto.subtle } as Crypto;

describe("SoftwareSigner", () => {
  it.each(KEY_ALGORITHMS)("%s: the signature verifies with node:crypto and the public key", async (algorithm) => {
    const keys = await generateKeyPair(algorithm);
    const signer = new SoftwareSigner(keys.privateKey, algorithm);
    expect(signer.keyAlgorithm).toBe(algorithm);
    const signature = await signer.sign(DATA);
    expect(verifies(algorithm, keys.publicKey, signature)).toBe(true);
    expect(verifies(algorithm, keys.publicKey, signature, new TextEncoder().encode("other data"))).toBe(false);
  });

  it.each(["EC-P256", "EC-P384"] as const)(
    "%s: ECDSA signatures are DER ECDSA-Sig-Values, in place and through WebCrypto",
    async (algorithm) => {
      const keys = await generateKeyPair(algorithm);
      for (const signer of [
        new SoftwareSigner(keys.privateKey, algorithm),
        new SoftwareSigner(keys.privateKey, algorithm, otherCrypto),
      ]) {
        // Many signatures, so that r or s with a high bit (a 00 pad) and short ones (leading zeros) both occur.
        for (let i = 0; i < 40; i++) {
          const signature = await signer.sign(DATA);
          expect(signature[0]).toBe(0x30); // SEQUENCE { r INTEGER, s INTEGER }, not WebCrypto's r ‖ s
          expect(signature[1]).toBe(signature.length - 2);
          expect(verifies(algorithm, keys.publicKey, signature)).toBe(true);
        }
      }
    },
  );

  it("RSA and Ed25519 sign through the Crypto they are given", async () => {
    for (const algorithm of ["RSA-2048", "Ed25519"] as const) {
      const keys = await generateKeyPair(algorithm);
      let calls = 0;
      const counting = {
        subtle: {
          sign: (...args: Parameters<SubtleCrypto["sign"]>) => {
            calls += 1;
            return globalThis.crypto.subtle.sign(...args);
          },
        },
      } as unknown as Crypto;
      const signature = await new SoftwareSigner(keys.privateKey, algorithm, counting).sign(DATA);
      expect(calls).toBe(1);
      expect(verifies(algorithm, keys.publicKey, signature)).toBe(true);
    }
  });

  it("refuses a key that cannot make signatures of its algorithm", async () => {
    const p256 = await generateKeyPair("EC-P256");
    const rsa = await generateKeyPair("RSA-2048");
    expect(() => new SoftwareSigner(p256.privateKey, "EC-P384")).toThrow(/private EC-P384 key/);
    expect(() => new SoftwareSigner(rsa.privateKey, "EC-P256")).toThrow(/private EC-P256 key/);
    expect(() => new SoftwareSigner(p256.publicKey, "EC-P256")).toThrow(/private EC-P256 key/);
  });
});

describe("signatureAlgorithmIdentifier", () => {
  // The DER each RFC gives: RFC 4055 §5 (NULL parameters), RFC 5758 §3.2 and RFC 8410 §3 (no parameters).
  it.each([
    ["RSA-2048", "300d06092a864886f70d01010b0500"],
    ["RSA-3072", "300d06092a864886f70d01010b0500"],
    ["RSA-4096", "300d06092a864886f70d01010b0500"],
    ["EC-P256", "300a06082a8648ce3d040302"],
    ["EC-P384", "300a06082a8648ce3d040303"],
    ["Ed25519", "300506032b6570"],
  ] as const)("%s signs with the AlgorithmIdentifier %s", (algorithm, der) => {
    expect(Buffer.from(AsnConvert.serialize(signatureAlgorithmIdentifier(algorithm))).toString("hex")).toBe(der);
  });
});
