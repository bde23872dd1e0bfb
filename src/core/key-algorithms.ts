/**
 * Key algorithms the service can generate, and how each signs. One place maps
 * our public names (`RSA-2048`, `EC-P256`, …) to WebCrypto parameters, so the
 * rest of the core never spells out curve names or hash functions.
 */

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

/**
 * Exports a private key as PEM-encoded, unencrypted PKCS#8.
 *
 * Written from the key's JWK (RFC 7518 §6) rather than exported as PKCS#8:
 * OpenSSL 3's PKCS#8 encoder costs 80–250 µs of CPU per key, the JWK export
 * under 10 µs, and PKCS#8 of these three key types is fixed DER. The bytes
 * are those OpenSSL writes (tests/unit/bench/key-der.test.ts compares them
 * for every algorithm); any other key goes through WebCrypto's PKCS#8 export.
 */
export async function exportPrivateKeyPem(privateKey: CryptoKey, crypto: Crypto = globalThis.crypto): Promise<string> {
  const der = privateKeyInfoFromJwk(await crypto.subtle.exportKey("jwk", privateKey));
  return toPem(der ?? (await crypto.subtle.exportKey("pkcs8", privateKey)), "PRIVATE KEY");
}

/**
 * The SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) DER of a public key, written
 * from its JWK as OpenSSL writes it (RFC 3279, RFC 5480, RFC 8410), for the
 * same reason as exportPrivateKeyPem; other keys go through WebCrypto's SPKI export.
 */
export async function exportSubjectPublicKeyInfo(
  publicKey: CryptoKey,
  crypto: Crypto = globalThis.crypto,
): Promise<Uint8Array<ArrayBuffer>> {
  const der = subjectPublicKeyInfoFromJwk(await crypto.subtle.exportKey("jwk", publicKey));
  return der ?? new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
}

/** Imports a PKCS#8 PEM private key for signing. */
export async function importPrivateKeyPem(
  pem: string,
  algorithm: KeyAlgorithm,
  crypto: Crypto = globalThis.crypto,
): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", fromPem(pem, "PRIVATE KEY"), webCryptoParams(algorithm), false, ["sign"]);
}

function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let body = "";
  for (let offset = 0; offset < base64.length; offset += 64) body += `${base64.slice(offset, offset + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function fromPem(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) throw new Error(`not a PEM ${label}`);
  return Uint8Array.from(Buffer.from(match[1].replace(/\s+/g, ""), "base64"));
}

// ---------------------------------------------------------------------------
// Key DER from JWK: SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo of RSA,
// EC P-256/P-384 and Ed25519 keys, byte for byte as OpenSSL writes them.

const ZERO_OCTET = new Uint8Array([0]);
const RSA_ENCRYPTION = derHex("300d06092a864886f70d0101010500");
const EC_PUBLIC_KEY = derHex("06072a8648ce3d0201");
const CURVES: Record<string, { oid: Uint8Array<ArrayBuffer>; size: number }> = {
  "P-256": { oid: derHex("06082a8648ce3d030107"), size: 32 },
  "P-384": { oid: derHex("06052b81040022"), size: 48 },
};
const ED25519_ALGORITHM = derHex("300506032b6570");
const INTEGER_0 = derHex("020100");
const INTEGER_1 = derHex("020101");

function subjectPublicKeyInfoFromJwk(jwk: JsonWebKey): Uint8Array<ArrayBuffer> | undefined {
  const bytes = (value: string | undefined) => (value === undefined ? undefined : base64url(value));
  if (jwk.kty === "RSA") {
    const [n, e] = [bytes(jwk.n), bytes(jwk.e)];
    if (!n || !e) return undefined;
    return derSequence(RSA_ENCRYPTION, derBitString(derSequence(derUnsignedInteger(n), derUnsignedInteger(e))));
  }
  if (jwk.kty === "EC") {
    const curve = CURVES[jwk.crv ?? ""];
    const [x, y] = [bytes(jwk.x), bytes(jwk.y)];
    if (!curve || x?.length !== curve.size || y?.length !== curve.size) return undefined;
    return derSequence(derSequence(EC_PUBLIC_KEY, curve.oid), derBitString(derConcat([derHex("04"), x, y])));
  }
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    const x = bytes(jwk.x);
    if (x?.length !== 32) return undefined;
    return derSequence(ED25519_ALGORITHM, derBitString(x));
  }
  return undefined;
}

function privateKeyInfoFromJwk(jwk: JsonWebKey): Uint8Array<ArrayBuffer> | undefined {
  const bytes = (value: string | undefined) => (value === undefined ? undefined : base64url(value));
  if (jwk.kty === "RSA") {
    const parts = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(bytes);
    if (parts.some((part) => part === undefined) || jwk.oth !== undefined) return undefined;
    const rsaPrivateKey = derSequence(INTEGER_0, ...parts.map((part) => derUnsignedInteger(part as Uint8Array)));
    return derSequence(INTEGER_0, RSA_ENCRYPTION, derTlv(0x04, rsaPrivateKey));
  }
  if (jwk.kty === "EC") {
    const curve = CURVES[jwk.crv ?? ""];
    const [d, x, y] = [bytes(jwk.d), bytes(jwk.x), bytes(jwk.y)];
    if (!curve || d?.length !== curve.size || x?.length !== curve.size || y?.length !== curve.size) return undefined;
    // RFC 5915 ECPrivateKey, as OpenSSL writes it inside PKCS#8: no [0] parameters, [1] public key.
    const ecPrivateKey = derSequence(
      INTEGER_1,
      derTlv(0x04, d),
      derTlv(0xa1, derBitString(derConcat([derHex("04"), x, y]))),
    );
    return derSequence(INTEGER_0, derSequence(EC_PUBLIC_KEY, curve.oid), derTlv(0x04, ecPrivateKey));
  }
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    const d = bytes(jwk.d);
    if (d?.length !== 32) return undefined;
    // RFC 8410 §7: the private key is an OCTET STRING inside the privateKey OCTET STRING.
    return derSequence(INTEGER_0, ED25519_ALGORITHM, derTlv(0x04, derTlv(0x04, d)));
  }
  return undefined;
}

function base64url(value: string): Uint8Array<ArrayBuffer> {
  const buffer = Buffer.from(value, "base64url");
  return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer);
}

// DER building blocks, shared with certificate-builder.ts (X.690 §8, definite lengths).

export function derHex(hex: string): Uint8Array<ArrayBuffer> {
  return derConcat([Buffer.from(hex, "hex")]);
}

export function derConcat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function derTlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function derSequence(...items: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return derTlv(0x30, derConcat(items));
}

/** BIT STRING of whole octets (no unused bits). */
export function derBitString(octets: Uint8Array): Uint8Array<ArrayBuffer> {
  return derTlv(0x03, derConcat([ZERO_OCTET, octets]));
}

/** INTEGER of a non-negative big-endian magnitude: minimal, with a 00 octet when the top bit is set. */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array<ArrayBuffer> {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const trimmed = magnitude.subarray(first);
  return derTlv(
    0x02,
    (trimmed[0] ?? 0) > 0x7f ? derConcat([ZERO_OCTET, trimmed]) : trimmed.length > 0 ? trimmed : ZERO_OCTET,
  );
}
