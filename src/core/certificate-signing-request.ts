/**
 * PKCS#10 certificate signing requests: how a device or server gets a
 * certificate without its private key ever leaving it. The CSR's signature is
 * verified (proof of possession of the key), its key must be one of the
 * algorithms the service issues for, and every name it asks for must be one
 * the API request names too.
 *
 * Read with the strict DER reader of `der-reader.ts`, not a generic ASN.1
 * library: @peculiar/x509's Pkcs10CertificateRequest cost 1.3–1.6 ms per
 * EC-P256 CSR (schema parsing, two key imports, createPublicKey), three times
 * the rest of issuing a certificate for it; this reads and verifies one in
 * 0.26–0.37 ms. A CSR has one fixed shape (RFC 2986), and this module reads
 * what issuance needs: the exact bytes of CertificationRequestInfo and of the
 * SubjectPublicKeyInfo, the signature algorithm and value, the subject's CNs,
 * the subjectAltName of the extension request; everything else must be
 * well-formed DER and is skipped. The key is imported once, and that CryptoKey
 * both checks the signature and is returned.
 *
 * Accepted CSRs give what the library-based version gave, and refusals keep
 * its messages; tests/unit/core/certificate-signing-request.test.ts keeps that
 * version as the reference and compares both on openssl- and library-made
 * CSRs and on mutated ones. Where this is stricter, on purpose: DER only
 * (the library read BER: indefinite and non-minimal lengths, trailing bytes),
 * version 0 only, no SHA-1 signatures, GeneralNames the library silently
 * dropped (other otherNames, x400Address, ediPartyName) and iPAddresses that
 * are not 4 or 16 octets are refused, and a CN must be a string type it can
 * decode. A malformed value of an attribute or extension the service ignores
 * (challengePassword, basicConstraints, …) made the library throw a bare Error
 * (HTTP 500); when it is well-formed DER it is now ignored, as its value is.
 */
import { createPublicKey } from "node:crypto";
import type { SubjectAltName } from "./certificate-profiles.js";
import {
  bytesOf,
  contentOf,
  type DerElement,
  DerError,
  DerReader,
  decodeOid,
  readWellFormedElement,
  unsignedIntegerOf,
} from "./der-reader.js";
import { InvalidRequestError } from "./errors.js";
import { type KeyAlgorithm, webCryptoParams } from "./key-algorithms.js";

export interface VerifiedSigningRequest {
  publicKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  /** The subject CN the CSR asks for, if any. */
  commonName: string | undefined;
  /** SAN entries the CSR asks for. */
  subjectAltNames: SubjectAltName[];
}

const FIELD = "csr";
const NOT_A_CSR = "csr is not a PEM PKCS#10 certificate request";
const SIGNATURE_DOES_NOT_VERIFY = "the CSR's signature does not verify with its own public key";

/** Parses and verifies a PEM CSR. InvalidRequestError (field `csr`) for anything unusable. */
export async function verifySigningRequest(
  pem: string,
  crypto: Crypto = globalThis.crypto,
): Promise<VerifiedSigningRequest> {
  let request: ParsedSigningRequest;
  try {
    request = parseSigningRequest(pemBody(pem));
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw new InvalidRequestError(NOT_A_CSR, FIELD, { cause: error });
  }
  const keyAlgorithm = keyAlgorithmFromOids(request) ?? keyAlgorithmOf(request.subjectPublicKeyInfo);
  let publicKey: CryptoKey;
  try {
    const jwk = publicKeyJwk(request, keyAlgorithm);
    publicKey = jwk
      ? await crypto.subtle.importKey("jwk", jwk, webCryptoParams(keyAlgorithm), true, ["verify"])
      : await crypto.subtle.importKey("spki", request.subjectPublicKeyInfo, webCryptoParams(keyAlgorithm), true, [
          "verify",
        ]);
  } catch (error) {
    throw new InvalidRequestError("the CSR's public key cannot be read", FIELD, { cause: error });
  }
  if (!(await signatureVerifies(request, keyAlgorithm, publicKey, crypto))) {
    throw new InvalidRequestError(SIGNATURE_DOES_NOT_VERIFY, FIELD);
  }
  const subjectAltNames = request.subjectAltNames.map((name): SubjectAltName => {
    if (name.type === "unsupported") {
      throw new InvalidRequestError(
        `the CSR asks for a ${name.name} subject alternative name, which is not supported`,
        FIELD,
      );
    }
    return name.type === "ip"
      ? { type: "ip", value: ipAddressText(name.octets) }
      : { type: name.type, value: name.value };
  });
  if (request.commonNames.length > 1) throw new InvalidRequestError("the CSR subject has more than one CN", FIELD);
  const commonName = request.commonNames[0];
  if (commonName !== undefined && typeof commonName !== "string") {
    throw new InvalidRequestError(
      "the CSR subject's CN must be a UTF8String, PrintableString, IA5String, TeletexString, BMPString or UniversalString",
      FIELD,
    );
  }
  return { publicKey, keyAlgorithm, commonName, subjectAltNames };
}

/** Refuses a CSR that asks for a name (CN or SAN) the API request does not name. */
export function assertRequestedNamesAllowed(
  signingRequest: VerifiedSigningRequest,
  allowed: { commonName: string; subjectAltNames: SubjectAltName[] },
): void {
  if (signingRequest.commonName !== undefined && signingRequest.commonName !== allowed.commonName) {
    throw new InvalidRequestError(
      `the CSR asks for CN '${signingRequest.commonName}' but the request is for '${allowed.commonName}'`,
      FIELD,
    );
  }
  const permitted = new Set(allowed.subjectAltNames.map((name) => `${name.type}:${name.value.toLowerCase()}`));
  for (const name of signingRequest.subjectAltNames) {
    if (!permitted.has(`${name.type}:${name.value.toLowerCase()}`)) {
      throw new InvalidRequestError(
        `the CSR asks for the name ${name.type}:${name.value}, which the request does not include (add it to subject_alt_names)`,
        FIELD,
      );
    }
  }
}

// ---------------------------------------------------------------------------
// PEM (RFC 7468).

const PEM_LABELS = new Set(["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[ \t\r\n]+/g;

/**
 * The DER inside the first PEM block, which must be a CSR (`CERTIFICATE
 * REQUEST`, or `NEW CERTIFICATE REQUEST` as older tools write). Explanatory
 * text around the block is ignored (RFC 7468 §2, e.g. `openssl req -text`);
 * the base64 body may be split by any whitespace but must otherwise be
 * canonical base64 of at least one byte.
 */
function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const begin = pem.indexOf("-----BEGIN ");
  const labelEnd = begin < 0 ? -1 : pem.indexOf("-----", begin + 11);
  if (labelEnd < 0) throw new DerError("no PEM block");
  const label = pem.slice(begin + 11, labelEnd);
  if (!PEM_LABELS.has(label)) throw new DerError(`PEM block is ${label}, not CERTIFICATE REQUEST`);
  const bodyStart = labelEnd + 5;
  const end = pem.indexOf(`-----END ${label}-----`, bodyStart);
  if (end < 0) throw new DerError("PEM block has no END line");
  const body = pem.slice(bodyStart, end).replace(WHITESPACE, "");
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) throw new DerError("PEM body is not base64");
  const der = Buffer.from(body, "base64");
  // Canonical: padding bits zero, so the body is exactly the encoding of these bytes.
  if (der.toString("base64") !== body) throw new DerError("PEM body is not canonical base64");
  return new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
}

// ---------------------------------------------------------------------------
// CertificationRequest (RFC 2986 §4).

/** A GeneralName the CSR asks for: the three the service issues, or the library's name for another type. */
type RequestedName =
  | { type: "dns" | "url"; value: string }
  | { type: "ip"; octets: Uint8Array }
  | { type: "unsupported"; name: string };

type Bytes = Uint8Array<ArrayBuffer>;

interface ParsedSigningRequest {
  /** The whole CertificationRequest: the elements below are positions in it. */
  der: Bytes;
  /** CertificationRequestInfo, exactly as signed. */
  certificationRequestInfo: Bytes;
  /** SubjectPublicKeyInfo, exactly as in the request. */
  subjectPublicKeyInfo: Bytes;
  keyAlgorithm: AlgorithmIdentifier;
  /** The subjectPublicKey BIT STRING's content (its first octet counts unused bits). */
  subjectPublicKey: Bytes;
  signatureAlgorithm: AlgorithmIdentifier;
  /** The signature BIT STRING's bits. */
  signature: Bytes;
  /** Every CN of the subject, decoded; `null` for one in a string type not read. */
  commonNames: (string | null)[];
  subjectAltNames: RequestedName[];
}

const EXTENSION_REQUEST_OID = "1.2.840.113549.1.9.14";
/** id-ce-subjectAltName (RFC 5280 §4.2.1.6): extensions are looked up by OID. */
const SUBJECT_ALT_NAME_OID = "2.5.29.17";
const COMMON_NAME_OID = "2.5.4.3";

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const BOOLEAN = 0x01;
const OBJECT_IDENTIFIER = 0x06;

interface AlgorithmIdentifier {
  oid: string;
  parameters: DerElement | undefined;
}

/** Reads a CertificationRequest's DER; DerError for anything malformed. */
function parseSigningRequest(der: Bytes): ParsedSigningRequest {
  const request = new DerReader(der);
  const requestElement = request.readElement(SEQUENCE);
  request.finish();

  const outer = request.inside(requestElement);
  const infoElement = outer.readElement(SEQUENCE);
  const signatureAlgorithm = readAlgorithmIdentifier(outer);
  const signature = bitStringBits(der, outer.readElement(BIT_STRING));
  outer.finish();

  const info = outer.inside(infoElement);
  const version = info.readElement(INTEGER);
  if (version.end - version.contentStart !== 1 || der[version.contentStart] !== 0) {
    throw new DerError("CertificationRequestInfo version must be 0 (v1)");
  }
  const commonNames = readSubjectCommonNames(info.inside(info.readElement(SEQUENCE)));
  const spkiElement = info.readElement(SEQUENCE);
  const spki = info.inside(spkiElement);
  const keyAlgorithm = readAlgorithmIdentifier(spki);
  const subjectPublicKey = contentOf(der, spki.readElement(BIT_STRING));
  if (subjectPublicKey.length === 0) throw new DerError("empty BIT STRING");
  spki.finish();
  // attributes [0] IMPLICIT SET OF Attribute: required by RFC 2986, optional to the library (and so here).
  const attributes = info.readOptional(0xa0);
  info.finish();

  return {
    der,
    certificationRequestInfo: bytesOf(der, infoElement),
    subjectPublicKeyInfo: bytesOf(der, spkiElement),
    keyAlgorithm,
    subjectPublicKey,
    signatureAlgorithm,
    signature,
    commonNames,
    subjectAltNames: attributes ? readRequestedSubjectAltNames(info.inside(attributes)) : [],
  };
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }. */
function readAlgorithmIdentifier(reader: DerReader): AlgorithmIdentifier {
  const identifier = reader.inside(reader.readElement(SEQUENCE));
  const oid = decodeOid(reader.der, identifier.readElement(OBJECT_IDENTIFIER));
  const parameters = identifier.atEnd ? undefined : readWellFormedElement(identifier);
  identifier.finish();
  return { oid, parameters };
}

/** Checks an element read without being interpreted is well-formed DER throughout. */
function checkWellFormed(der: Uint8Array, element: DerElement): void {
  const reader = new DerReader(der, element.start, element.end);
  readWellFormedElement(reader);
  reader.finish();
}

/** A BIT STRING's bits, which must be whole octets (no unused bits). */
function bitStringBits(der: Bytes, element: DerElement): Bytes {
  const content = contentOf(der, element);
  if (content[0] !== 0) throw new DerError("BIT STRING with unused bits");
  return content.subarray(1);
}

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue):
 * every CN in it. The other attributes' values must be character strings
 * (every attribute a device subject uses is one); their contents are not read.
 */
function readSubjectCommonNames(name: DerReader): (string | null)[] {
  const commonNames: (string | null)[] = [];
  while (!name.atEnd) {
    const rdn = name.inside(name.readElement(SET));
    while (!rdn.atEnd) {
      const attribute = rdn.inside(rdn.readElement(SEQUENCE));
      const type = decodeOid(name.der, attribute.readElement(OBJECT_IDENTIFIER));
      const value = attribute.readElement();
      attribute.finish();
      if (type === COMMON_NAME_OID) commonNames.push(directoryString(name.der, value));
      else if (!CHARACTER_STRINGS.has(value.tag)) throw new DerError("subject attribute value is not a string");
      else checkWellFormed(name.der, value);
    }
  }
  return commonNames;
}

/** UTF8String, NumericString, PrintableString, TeletexString, VideotexString, IA5String, GraphicString, VisibleString, GeneralString, UniversalString, BMPString. */
const CHARACTER_STRINGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b, 0x1c, 0x1e]);

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A DirectoryString (or IA5String) as @peculiar/x509 reads it: UTF-8,
 * PrintableString and IA5String (7-bit), TeletexString as Latin-1,
 * BMPString as UTF-16BE, UniversalString as UTF-32BE (BMP only: the library
 * keeps only the low 16 bits of each character). `null` for another type.
 */
function directoryString(der: Uint8Array, element: DerElement): string | null {
  const content = contentOf(der, element);
  switch (element.tag) {
    case 0x0c:
      try {
        return UTF8.decode(content);
      } catch (error) {
        throw new DerError("UTF8String is not UTF-8", { cause: error });
      }
    case 0x13:
    case 0x16:
      return ascii(content);
    case 0x14:
      return latin1(content);
    case 0x1e: {
      if (content.length % 2 !== 0) throw new DerError("BMPString of an odd length");
      let text = "";
      for (let i = 0; i < content.length; i += 2) {
        text += String.fromCharCode(((content[i] as number) << 8) | (content[i + 1] as number));
      }
      return text;
    }
    case 0x1c: {
      if (content.length % 4 !== 0) throw new DerError("UniversalString length not a multiple of 4");
      let text = "";
      for (let i = 0; i < content.length; i += 4) {
        if (content[i] !== 0 || content[i + 1] !== 0) throw new DerError("UniversalString beyond the BMP");
        text += String.fromCharCode(((content[i + 2] as number) << 8) | (content[i + 3] as number));
      }
      return text;
    }
    default:
      return null;
  }
}

function ascii(content: Uint8Array): string {
  for (const octet of content) if (octet > 0x7f) throw new DerError("non-ASCII octet in an ASCII string type");
  return latin1(content);
}

function latin1(content: Uint8Array): string {
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("latin1");
}

/**
 * attributes: SET OF Attribute { type, values SET OF ANY }. The extension
 * request (PKCS#9, a single value: Extensions) may appear once; in it, the
 * subjectAltName extension once. Other attributes and extensions must be
 * well-formed DER (readWellFormedElement) but are otherwise ignored: issuance
 * takes nothing else from a CSR.
 */
function readRequestedSubjectAltNames(attributes: DerReader): RequestedName[] {
  const der = attributes.der;
  let extensions: DerReader | undefined;
  while (!attributes.atEnd) {
    const attribute = attributes.inside(attributes.readElement(SEQUENCE));
    const type = decodeOid(der, attribute.readElement(OBJECT_IDENTIFIER));
    const values = attribute.inside(attribute.readElement(SET));
    attribute.finish();
    if (type !== EXTENSION_REQUEST_OID) {
      while (!values.atEnd) readWellFormedElement(values);
      continue;
    }
    if (extensions) throw new DerError("more than one extension request");
    extensions = values.inside(values.readElement(SEQUENCE));
    values.finish();
  }
  if (!extensions) return [];
  let names: RequestedName[] | undefined;
  while (!extensions.atEnd) {
    const extension = extensions.inside(extensions.readElement(SEQUENCE));
    const type = decodeOid(der, extension.readElement(OBJECT_IDENTIFIER));
    const critical = extension.readOptional(BOOLEAN);
    const criticalOctet = critical && critical.end - critical.contentStart === 1 ? der[critical.contentStart] : 0;
    if (critical && criticalOctet !== 0x00 && criticalOctet !== 0xff) throw new DerError("BOOLEAN is not 00 or ff");
    const value = extension.readElement(OCTET_STRING);
    extension.finish();
    if (type !== SUBJECT_ALT_NAME_OID) {
      // extnValue holds the DER of the extension's value (RFC 5280 §4.1): one well-formed element.
      const extnValue = new DerReader(der, value.contentStart, value.end);
      readWellFormedElement(extnValue);
      extnValue.finish();
      continue;
    }
    if (names) throw new DerError("more than one subjectAltName extension");
    names = readGeneralNames(der, value);
  }
  return names ?? [];
}

/** Type names @peculiar/x509 gives the GeneralName choices the service does not issue (messages name them). */
const OTHER_GENERAL_NAMES: Record<number, string> = {
  129: "email",
  163: "x400Address",
  164: "dn",
  165: "ediPartyName",
  136: "id",
};
const GUID_OID = "1.3.6.1.4.1.311.25.1";
const UPN_OID = "1.3.6.1.4.1.311.20.2.3";

/** GeneralNames (RFC 5280 §4.2.1.6) inside the extnValue OCTET STRING. */
function readGeneralNames(der: Uint8Array, extnValue: DerElement): RequestedName[] {
  const outer = new DerReader(der, extnValue.contentStart, extnValue.end);
  const generalNames = outer.inside(outer.readElement(SEQUENCE));
  outer.finish();
  const names: RequestedName[] = [];
  while (!generalNames.atEnd) {
    const name = generalNames.readElement();
    switch (name.tag) {
      case 0x82:
        names.push({ type: "dns", value: ascii(contentOf(der, name)) });
        break;
      case 0x86:
        names.push({ type: "url", value: ascii(contentOf(der, name)) });
        break;
      case 0x87:
        names.push({ type: "ip", octets: contentOf(der, name) });
        break;
      case 0xa0: {
        // otherName: [0] IMPLICIT SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }.
        const otherName = generalNames.inside(name);
        const typeId = decodeOid(der, otherName.readElement(OBJECT_IDENTIFIER));
        otherName.readElement(0xa0);
        otherName.finish();
        names.push({
          type: "unsupported",
          name: typeId === GUID_OID ? "guid" : typeId === UPN_OID ? "upn" : "otherName",
        });
        break;
      }
      default: {
        const type = OTHER_GENERAL_NAMES[name.tag];
        if (type === undefined) throw new DerError(`GeneralName tag 0x${name.tag.toString(16)}`);
        names.push({ type: "unsupported", name: type });
      }
    }
  }
  return names;
}

/**
 * An iPAddress as @peculiar/x509 writes it: IPv4 dotted, IPv6 as lower-case
 * hexadecimal groups without leading zeros, the first longest run of two or
 * more zero groups as `::`. Only 4 or 16 octets name an address (RFC 5280
 * §4.2.1.6); other lengths (name-constraint ranges) are refused.
 */
function ipAddressText(octets: Uint8Array): string {
  if (octets.length === 4) return octets.join(".");
  if (octets.length !== 16) {
    throw new InvalidRequestError(
      `the CSR asks for an IP subject alternative name of ${octets.length} octets; an address has 4 (IPv4) or 16 (IPv6)`,
      FIELD,
    );
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((octets[i] as number) << 8) | (octets[i + 1] as number)).toString(16));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestLength < 2) return groups.join(":");
  return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLength).join(":")}`;
}

// ---------------------------------------------------------------------------
// Key and signature.

const RSA_ENCRYPTION_OID = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1";
const ED25519_OID = "1.3.101.112";
const EC_CURVES: Record<string, KeyAlgorithm> = {
  "1.2.840.10045.3.1.7": "EC-P256",
  "1.3.132.0.34": "EC-P384",
};
const RSA_MODULUS_BITS = new Set([2048, 3072, 4096]);

/**
 * The key algorithm from the SPKI's OIDs (and the RSA modulus size), when
 * they name one the service issues for: rsaEncryption with NULL parameters
 * and a 2048/3072/4096-bit modulus, id-ecPublicKey on P-256 or P-384,
 * Ed25519. Undefined otherwise: keyAlgorithmOf then decides (and words the
 * refusal) as it always has. WebCrypto's import checks the key itself.
 */
function keyAlgorithmFromOids(request: ParsedSigningRequest): KeyAlgorithm | undefined {
  const { der, subjectPublicKey } = request;
  const { oid, parameters } = request.keyAlgorithm;
  if (subjectPublicKey[0] !== 0) return undefined;
  try {
    if (oid === EC_PUBLIC_KEY_OID) {
      return parameters?.tag === OBJECT_IDENTIFIER ? EC_CURVES[decodeOid(der, parameters)] : undefined;
    }
    if (oid === ED25519_OID) return parameters === undefined ? "Ed25519" : undefined;
    if (oid !== RSA_ENCRYPTION_OID || !isNull(parameters)) return undefined;
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1).
    const bits = subjectPublicKey.subarray(1);
    const key = new DerReader(bits);
    const sequence = key.inside(key.readElement(SEQUENCE));
    key.finish();
    const modulus = unsignedIntegerOf(bits, sequence.readElement(INTEGER));
    unsignedIntegerOf(bits, sequence.readElement(INTEGER));
    sequence.finish();
    const modulusBits = (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0] as number));
    return RSA_MODULUS_BITS.has(modulusBits) ? (`RSA-${modulusBits}` as KeyAlgorithm) : undefined;
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

/**
 * The CSR's EC or Ed25519 key as a JWK (RFC 7518 §6.2.1, RFC 8037 §2), when
 * its point is uncompressed (04 ‖ x ‖ y) or 32 octets. WebCrypto imports a
 * JWK in ~60% of the time of the same key as SPKI (OpenSSL 3's DER decoder
 * dominates the latter), with the same checks: the point must lie on the
 * curve, coordinates in range. The CryptoKey, and the SPKI it exports, are
 * the same. RSA keys, and EC points in other forms, are imported as SPKI.
 */
function publicKeyJwk(request: ParsedSigningRequest, keyAlgorithm: KeyAlgorithm): JsonWebKey | undefined {
  if (request.subjectPublicKey[0] !== 0) return undefined; // unused bits: not a key WebCrypto reads either way
  const key = request.subjectPublicKey.subarray(1);
  const base64url = (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  if (keyAlgorithm === "Ed25519")
    return key.length === 32 ? { kty: "OKP", crv: "Ed25519", x: base64url(key) } : undefined;
  const size = EC_SIZES[keyAlgorithm];
  if (size === undefined || key.length !== 1 + 2 * size || key[0] !== 0x04) return undefined;
  return {
    kty: "EC",
    crv: keyAlgorithm === "EC-P256" ? "P-256" : "P-384",
    x: base64url(key.subarray(1, 1 + size)),
    y: base64url(key.subarray(1 + size)),
  };
}

/** The key algorithm as node:crypto reads the SPKI: the refusals (and their words) for every key not above. */
function keyAlgorithmOf(spki: Uint8Array): KeyAlgorithm {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new InvalidRequestError("the CSR's public key cannot be read", FIELD, { cause: error });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && [2048, 3072, 4096].includes(details.modulusLength ?? 0)) {
    return `RSA-${details.modulusLength}` as KeyAlgorithm;
  }
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return "EC-P256";
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "secp384r1") return "EC-P384";
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  throw new InvalidRequestError("the CSR's key must be RSA 2048/3072/4096, EC P-256/P-384 or Ed25519", FIELD);
}

type Hash = "SHA-256" | "SHA-384" | "SHA-512";

const HASHES: Record<string, Hash> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};
const RSA_PKCS1_SIGNATURES: Record<string, Hash> = {
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
};
const ECDSA_SIGNATURES: Record<string, Hash> = {
  "1.2.840.10045.4.3.2": "SHA-256",
  "1.2.840.10045.4.3.3": "SHA-384",
  "1.2.840.10045.4.3.4": "SHA-512",
};
const RSASSA_PSS_OID = "1.2.840.113549.1.1.10";
const MGF1_OID = "1.2.840.113549.1.1.8";
/** Names of signature algorithms met in the wild, for refusals. */
const SIGNATURE_ALGORITHM_NAMES: Record<string, string> = {
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  [ED25519_OID]: "Ed25519",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
  "1.2.840.10040.4.3": "dsa-with-sha1",
  "2.16.840.1.101.3.4.3.2": "dsa-with-sha256",
  "1.3.101.113": "Ed448",
  [RSASSA_PSS_OID]: "RSASSA-PSS",
};

type SignatureScheme =
  | { family: "rsa"; name: "RSASSA-PKCS1-v1_5" | "RSA-PSS"; hash: Hash; saltLength: number }
  | { family: "ecdsa"; hash: Hash }
  | { family: "ed25519" };

/**
 * The signature algorithm: sha256/384/512WithRSAEncryption, RSASSA-PSS
 * (SHA-256/384/512, MGF1 with the same hash, trailer field 1: what WebCrypto
 * verifies), ecdsa-with-SHA256/384/512, Ed25519. Anything else, SHA-1
 * included, is refused naming the algorithm.
 */
function signatureScheme(request: ParsedSigningRequest): SignatureScheme {
  const { oid, parameters } = request.signatureAlgorithm;
  const pkcs1Hash = RSA_PKCS1_SIGNATURES[oid];
  const ecdsaHash = ECDSA_SIGNATURES[oid];
  if (pkcs1Hash && (parameters === undefined || isNull(parameters))) {
    return { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: pkcs1Hash, saltLength: 0 };
  }
  if (ecdsaHash && parameters === undefined) return { family: "ecdsa", hash: ecdsaHash };
  if (oid === ED25519_OID && parameters === undefined) return { family: "ed25519" };
  const pss = oid === RSASSA_PSS_OID && parameters ? rsaPssParameters(request.der, parameters) : undefined;
  if (pss) return { family: "rsa", name: "RSA-PSS", ...pss };
  const name = SIGNATURE_ALGORITHM_NAMES[oid] ?? oid;
  const known = pkcs1Hash || ecdsaHash || oid === ED25519_OID || oid === RSASSA_PSS_OID;
  throw new InvalidRequestError(
    `the CSR is signed with ${known ? `${name} with these parameters` : name}, which is not supported: sign it with SHA-256, SHA-384 or SHA-512 (RSA PKCS#1 v1.5, RSA-PSS with MGF1 of the same hash, or ECDSA) or with Ed25519`,
    FIELD,
  );
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1): [0] hashAlgorithm, [1] maskGenAlgorithm,
 * [2] saltLength, [3] trailerField, each explicit and optional. Undefined
 * unless the hash is SHA-256/384/512 and MGF1 uses the same one.
 */
function rsaPssParameters(der: Bytes, parameters: DerElement): { hash: Hash; saltLength: number } | undefined {
  if (parameters.tag !== SEQUENCE) return undefined;
  try {
    const fields = new DerReader(der, parameters.contentStart, parameters.end);
    const hashField = fields.readOptional(0xa0);
    const mgfField = fields.readOptional(0xa1);
    const saltField = fields.readOptional(0xa2);
    const trailerField = fields.readOptional(0xa3);
    fields.finish();
    if (!hashField || !mgfField) return undefined; // the defaults are SHA-1
    const hash = hashOf(fields.inside(hashField));
    const mgf = fields.inside(mgfField);
    const mgfIdentifier = readAlgorithmIdentifier(mgf);
    mgf.finish();
    if (mgfIdentifier.oid !== MGF1_OID || !mgfIdentifier.parameters) return undefined;
    const mgfHash = hashOf(new DerReader(der, mgfIdentifier.parameters.start, mgfIdentifier.parameters.end));
    if (!hash || mgfHash !== hash) return undefined;
    const saltLength = saltField ? smallInteger(fields.inside(saltField)) : 20;
    if (trailerField && smallInteger(fields.inside(trailerField)) !== 1) return undefined;
    return saltLength === undefined ? undefined : { hash, saltLength };
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

/** A hash AlgorithmIdentifier (parameters absent or NULL) filling `reader`. */
function hashOf(reader: DerReader): Hash | undefined {
  const identifier = readAlgorithmIdentifier(reader);
  reader.finish();
  return identifier.parameters === undefined || isNull(identifier.parameters) ? HASHES[identifier.oid] : undefined;
}

/** An ASN.1 NULL (05 00). */
function isNull(element: DerElement | undefined): boolean {
  return element?.tag === 0x05 && element.end === element.contentStart;
}

/** A non-negative INTEGER below 2^16 filling `reader`. */
function smallInteger(reader: DerReader): number | undefined {
  const magnitude = unsignedIntegerOf(reader.der, reader.readElement(INTEGER));
  reader.finish();
  if (magnitude.length > 2) return undefined;
  return magnitude.reduce((value, octet) => value * 256 + octet, 0);
}

const KEY_FAMILY: Record<KeyAlgorithm, SignatureScheme["family"]> = {
  "RSA-2048": "rsa",
  "RSA-3072": "rsa",
  "RSA-4096": "rsa",
  "EC-P256": "ecdsa",
  "EC-P384": "ecdsa",
  Ed25519: "ed25519",
};
const EC_SIZES: Partial<Record<KeyAlgorithm, number>> = { "EC-P256": 32, "EC-P384": 48 };

/** Proof of possession: the CSR's signature over CertificationRequestInfo, checked with its own key. */
async function signatureVerifies(
  request: ParsedSigningRequest,
  keyAlgorithm: KeyAlgorithm,
  publicKey: CryptoKey,
  crypto: Crypto,
): Promise<boolean> {
  const scheme = signatureScheme(request);
  if (scheme.family !== KEY_FAMILY[keyAlgorithm]) return false;
  const data = request.certificationRequestInfo;
  try {
    switch (scheme.family) {
      case "ed25519":
        return await crypto.subtle.verify({ name: "Ed25519" }, publicKey, request.signature, data);
      case "ecdsa": {
        const signature = rawEcdsaSignature(request.signature, EC_SIZES[keyAlgorithm] as number);
        if (!signature) return false;
        return await crypto.subtle.verify({ name: "ECDSA", hash: scheme.hash }, publicKey, signature, data);
      }
      case "rsa": {
        // An RSA CryptoKey carries its scheme and hash: the returned key is the one the service
        // issues with (PKCS#1 v1.5, SHA-256); any other RSA signature needs a key of its own.
        const key =
          scheme.name === "RSASSA-PKCS1-v1_5" && scheme.hash === "SHA-256"
            ? publicKey
            : await crypto.subtle.importKey(
                "spki",
                request.subjectPublicKeyInfo,
                { name: scheme.name, hash: scheme.hash },
                false,
                ["verify"],
              );
        return await crypto.subtle.verify(
          { name: scheme.name, saltLength: scheme.saltLength },
          key,
          request.signature,
          data,
        );
      }
    }
  } catch {
    return false;
  }
}

/**
 * Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2.3) as
 * WebCrypto's r ‖ s, each left-padded to the curve's size; undefined when
 * malformed or too large for the curve.
 */
function rawEcdsaSignature(der: Bytes, size: number): Bytes | undefined {
  try {
    const reader = new DerReader(der);
    const sequence = reader.inside(reader.readElement(SEQUENCE));
    reader.finish();
    const r = unsignedIntegerOf(der, sequence.readElement(INTEGER));
    const s = unsignedIntegerOf(der, sequence.readElement(INTEGER));
    sequence.finish();
    if (r.length > size || s.length > size) return undefined;
    const raw = new Uint8Array(2 * size);
    raw.set(r, size - r.length);
    raw.set(s, 2 * size - s.length);
    return raw;
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}
