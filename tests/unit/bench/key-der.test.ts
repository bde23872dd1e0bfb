/**
 * Key DER written from JWK (src/core/key-algorithms.ts, the performance fix
 * of issue 6) against what WebCrypto (OpenSSL) exports: the PKCS#8 private
 * key PEM and the SubjectPublicKeyInfo are equal byte for byte, for every
 * algorithm, over enough keys to meet private scalars and moduli with
 * leading zero octets.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  exportPrivateKeyPem,
  exportSubjectPublicKeyInfo,
  generateKeyPair,
  importPrivateKeyPem,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  webCryptoParams,
} from "../../../src/core/key-algorithms.js";

function pkcs8Pem(der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

const KEYS_PER_ALGORITHM: Record<KeyAlgorithm, number> = {
  "RSA-2048": 6,
  "RSA-3072": 2,
  "RSA-4096": 1,
  // 1 key in 256 has a private scalar with a leading zero octet: 600 keys meet a few.
  "EC-P256": 600,
  "EC-P384": 300,
  Ed25519: 300,
};

describe("key DER from JWK = OpenSSL's", () => {
  it.each(KEY_ALGORITHMS)("%s: PKCS#8 PEM and SPKI equal WebCrypto's exports", async (algorithm) => {
    const count = KEYS_PER_ALGORITHM[algorithm];
    let leadingZero = 0;
    for (let i = 0; i < count; i++) {
      const keys = await generateKeyPair(algorithm);
      const pem = await exportPrivateKeyPem(keys.privateKey);
      expect(pem).toBe(pkcs8Pem(await crypto.subtle.exportKey("pkcs8", keys.privateKey)));
      const spki = await exportSubjectPublicKeyInfo(keys.publicKey);
      expect(Buffer.from(spki).toString("hex")).toBe(
        Buffer.from(await crypto.subtle.exportKey("spki", keys.publicKey)).toString("hex"),
      );
      const jwk = await crypto.subtle.exportKey("jwk", keys.privateKey);
      if (Buffer.from(jwk.d as string, "base64url")[0] === 0) leadingZero += 1;
    }
    if (algorithm === "EC-P256") expect(leadingZero).toBeGreaterThan(0);
  });

  it.each(KEY_ALGORITHMS)(
    "%s: the PEM reads back with OpenSSL and signs what the public key verifies",
    async (algorithm) => {
      const keys = await generateKeyPair(algorithm);
      const pem = await exportPrivateKeyPem(keys.privateKey);
      const opened = createPrivateKey(pem);
      expect(opened.asymmetricKeyType).toBe(
        algorithm.startsWith("RSA") ? "rsa" : algorithm === "Ed25519" ? "ed25519" : "ec",
      );
      const spki = await exportSubjectPublicKeyInfo(keys.publicKey);
      expect(createPublicKey(opened).export({ type: "spki", format: "der" }).toString("hex")).toBe(
        Buffer.from(spki).toString("hex"),
      );
      const signingKey = await importPrivateKeyPem(pem, algorithm);
      const data = new TextEncoder().encode("issue 6");
      const signature = await crypto.subtle.sign(webCryptoParams(algorithm), signingKey, data);
      expect(await crypto.subtle.verify(webCryptoParams(algorithm), keys.publicKey, signature, data)).toBe(true);
    },
  );

  it("uses the Crypto it is given (WebCrypto's JWK export, no Node-only API)", async () => {
    const keys = await generateKeyPair("EC-P256");
    const calls: string[] = [];
    const subtle = new Proxy(crypto.subtle, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${String(property)}:${String(args[0])}`);
          return value.apply(target, args);
        };
      },
    });
    const recording = { subtle } as Crypto;
    await exportPrivateKeyPem(keys.privateKey, recording);
    await exportSubjectPublicKeyInfo(keys.publicKey, recording);
    expect(calls).toEqual(["exportKey:jwk", "exportKey:jwk"]);
  });
});
