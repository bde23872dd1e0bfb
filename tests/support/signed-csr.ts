/**
 * CSRs built byte by byte and signed with their own key, so that a test can
 * put a malformed encoding inside CertificationRequestInfo and know that the
 * encoding, not the signature, is what the service refuses.
 */
import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import { Attributes, CertificationRequest } from "@peculiar/asn1-csr";
import { id_pkcs9_at_extensionRequest } from "@peculiar/asn1-pkcs9";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Attribute } from "@peculiar/asn1-x509";
import { derToPem, pemToDer } from "./api/openssl-tools.js";

// A few lines of DER writing, for tests only: they put encodings no ASN.1 schema would
// serialise (a malformed BOOLEAN, mutated fields) where the CSR reader must refuse them.

/** One DER element: `tag`, a definite length, then `content`. */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | octets.length, ...octets];
  return derConcat([Uint8Array.from(header), content]);
}

/** The parts in one Uint8Array of its own (never a slice of Buffer's shared pool, whose `.buffer` holds more). */
function derConcat(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function derHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function derSequence(...parts: Uint8Array[]): Uint8Array {
  return derTlv(0x30, derConcat(parts));
}

/** A CSR's CertificationRequestInfo, exactly as signed. */
export function certificationRequestInfoOf(csrPem: string): Buffer {
  const request = AsnConvert.parse(pemToDer(csrPem), CertificationRequest);
  return Buffer.from(request.certificationRequestInfoRaw as ArrayBuffer);
}

/** A CSR around `info`, signed by `key` (ecdsa-with-SHA256, sha256WithRSAEncryption or Ed25519). */
export function signedRequest(info: Uint8Array, key: KeyObject | string): string {
  const privateKey = typeof key === "string" ? createPrivateKey(key) : key;
  const type = privateKey.asymmetricKeyType;
  const algorithm =
    type === "ec"
      ? derHex("300a06082a8648ce3d040302")
      : type === "ed25519"
        ? derHex("300506032b6570")
        : derHex("300d06092a864886f70d01010b0500");
  const signature = sign(type === "ed25519" ? null : "sha256", info, { key: privateKey, dsaEncoding: "der" });
  const bitString = derTlv(0x03, derConcat([new Uint8Array([0]), signature]));
  return derToPem(derSequence(info, algorithm, bitString), "CERTIFICATE REQUEST");
}

/**
 * One Extension (RFC 5280 §4.1): extnID as an OBJECT IDENTIFIER TLV in hex, `critical` written as the hex given
 * (`""` to leave it out, `"0101ff"` for TRUE, or something no DER allows).
 */
export function extensionDer(extnIdHex: string, criticalHex: string, value: Uint8Array): Uint8Array {
  return derSequence(derHex(extnIdHex), derHex(criticalHex), derTlv(0x04, value));
}

/** id-ce-subjectAltName and id-ce-basicConstraints as extnID TLVs (hex), for extensionDer. */
export const SUBJECT_ALT_NAME_EXTN_ID = "0603551d11";
export const BASIC_CONSTRAINTS_EXTN_ID = "0603551d13";

/** GeneralNames of dNSNames. */
export function dnsNamesDer(...names: string[]): Uint8Array {
  return derSequence(...names.map((name) => derTlv(0x82, Buffer.from(name, "ascii"))));
}

/**
 * `csrPem` with its attributes replaced by one extension request holding
 * `extensions` (each an Extension's DER, written as given), re-signed with
 * `key`. Throws if the bytes would not reach the signature as written.
 */
export function csrWithExtensions(csrPem: string, key: KeyObject | string, extensions: Uint8Array[]): string {
  const request = AsnConvert.parse(pemToDer(csrPem), CertificationRequest);
  const info = request.certificationRequestInfo;
  const extensionsDer = derSequence(...extensions);
  info.attributes = new Attributes([
    new Attribute({ type: id_pkcs9_at_extensionRequest, values: [extensionsDer.buffer as ArrayBuffer] }),
  ]);
  const infoDer = Buffer.from(AsnConvert.serialize(info));
  // asn1-schema writes an attribute value back as asn1js read it; make sure it did not tidy it up.
  if (!infoDer.includes(Buffer.from(extensionsDer))) throw new Error("the extension request was re-encoded");
  return signedRequest(infoDer, key);
}
