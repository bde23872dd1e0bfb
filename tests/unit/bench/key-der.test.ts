/**
 * Key DER written from JWK (src/core/key-algorithms.ts, the performance fix
 * of issue 6) against what WebCrypto (OpenSSL) exports: the PKCS#8 private
 * key PEM and the SubjectPublicKeyInfo are equal byte for byte, for every
 * algorithm, over enough keys to meet private scalars and moduli with
 * leading zero octets.
 */
import { createECDH, createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
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
  "EC-P256": 300,
  "EC-P384": 300,
  Ed25519: 300,
};

describe("key DER from JWK = OpenSSL's", () => {
  it.each(KEY_ALGORITHMS)("%s: PKCS#8 PEM and SPKI equal WebCrypto's exports", async (algorithm) => {
    const count = KEYS_PER_ALGORITHM[algorithm];
    for (let i = 0; i < count; i++) {
      const keys = await generateKeyPair(algorithm);
      const pem = await exportPrivateKeyPem(keys.privateKey);
      expect(pem).toBe(pkcs8Pem(await crypto.subtle.exportKey("pkcs8", keys.privateKey)));
      const spki = await exportSubjectPublicKeyInfo(keys.publicKey);
      expect(Buffer.from(spki).toString("hex")).toBe(
        Buffer.from(await crypto.subtle.exportKey("spki", keys.publicKey)).toString("hex"),
      );
    }
  });

  // 1 random key in 256 has a private scalar with a leading zero octet: these keys have one, or two, by construction.
  it.each([
    ["EC-P256", "prime256v1", 32, 1],
    ["EC-P256", "prime256v1", 32, 2],
    ["EC-P384", "secp384r1", 48, 1],
    ["EC-P384", "secp384r1", 48, 2],
  ] as const)(
    "%s: a private scalar with leading zero octets (curve %s, %i octets, %i zero) is written as OpenSSL writes it",
    async (algorithm, curve, size, zeros) => {
      const d = Buffer.concat([Buffer.alloc(zeros), randomBytes(size - zeros)]);
      d.writeUInt8(d.readUInt8(zeros) | 1, zeros); // a non-zero octet right after the zeros
      const ecdh = createECDH(curve);
      ecdh.setPrivateKey(d);
      const point = ecdh.getPublicKey(); // 04 || x || y
      const jwk = {
        kty: "EC",
        crv: algorithm === "EC-P256" ? "P-256" : "P-384",
        d: d.toString("base64url"),
        x: point.subarray(1, 1 + size).toString("base64url"),
        y: point.subarray(1 + size).toString("base64url"),
      };
      const params = webCryptoParams(algorithm);
      const privateKey = await crypto.subtle.importKey("jwk", jwk, params, true, ["sign"]);
      const { d: _d, ...publicJwk } = jwk;
      const publicKey = await crypto.subtle.importKey("jwk", publicJwk, params, true, ["verify"]);
      expect(await exportPrivateKeyPem(privateKey)).toBe(pkcs8Pem(await crypto.subtle.exportKey("pkcs8", privateKey)));
      expect(Buffer.from(await exportSubjectPublicKeyInfo(publicKey)).toString("hex")).toBe(
        Buffer.from(await crypto.subtle.exportKey("spki", publicKey)).toString("hex"),
      );
    },
  );

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
