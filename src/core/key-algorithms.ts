/**
 * Key algorithms the service can generate, and how each signs. One place maps
 * our public names (`RSA-2048`, `EC-P256`, …) to WebCrypto parameters, so the
 * rest of the core never spells out curve names or hash functions.
 */
import { pemDecode, pemEncode } from "./pem.js";

/** Every key algorithm the API accepts, in the order the docs list them. */
export const KEY_ALGORITHMS = ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384", "Ed25519"] as const;

export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The default, as in the seed: RSA-2048 keys signed with SHA-256. */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = "RSA-2048";

/**
 * Algorithms a certificate authority may hold. Ed25519 is for devices only:
 * many TLS stacks still cannot verify Ed25519 certificate signatures.
 */
export const CA_KEY_ALGORITHMS = ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const;

/** Algorithms whose keys AWS Certificate Manager can import (RSA and EC only). */
export const ACM_IMPORTABLE_KEY_ALGORITHMS = CA_KEY_ALGORITHMS;

export type CertificateAuthorityKeyAlgorithm = (typeof CA_KEY_ALGORITHMS)[number];

type WebCryptoKeyParams = RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;

/** WebCrypto parameters to generate, import and sign with a key of `algorithm`. */
export function webCryptoParams(algorithm: KeyAlgorithm): WebCryptoKeyParams {
  switch (algorithm) {
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: Number(algorithm.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      } satisfies RsaHashedKeyGenParams;
    case "EC-P256":
      return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as EcKeyGenParams;
    case "EC-P384":
      return { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" } as EcKeyGenParams;
    case "Ed25519":
      return { name: "Ed25519" };
  }
}

/** True when the algorithm uses RSA keys (which also allow keyEncipherment). */
export function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith("RSA-");
}

/** Generates a new, extractable key pair. */
export async function generateKeyPair(
  algorithm: KeyAlgorithm,
  crypto: Crypto = globalThis.crypto,
): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(webCryptoParams(algorithm), true, ["sign", "verify"])) as CryptoKeyPair;
}

/** Exports a private key as PEM-encoded, unencrypted PKCS#8 (WebCrypto's export). */
export async function exportPrivateKeyPem(privateKey: CryptoKey, crypto: Crypto = globalThis.crypto): Promise<string> {
  return pemEncode(await crypto.subtle.exportKey("pkcs8", privateKey), "PRIVATE KEY");
}

/** Imports a PKCS#8 PEM private key for signing. */
export async function importPrivateKeyPem(
  pem: string,
  algorithm: KeyAlgorithm,
  crypto: Crypto = globalThis.crypto,
): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", pemDecode(pem, "PRIVATE KEY"), webCryptoParams(algorithm), false, ["sign"]);
}
