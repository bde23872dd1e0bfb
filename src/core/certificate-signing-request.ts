/**
 * PKCS#10 certificate signing requests: how a device or server gets a
 * certificate without its private key ever leaving it. The CSR's signature is
 * verified (proof of possession of the key), its key must be one of the
 * algorithms the service issues for, and every name it asks for must be one
 * the API request names too.
 *
 * Read with @peculiar/asn1-csr's CertificationRequest (asn1-schema over
 * asn1js, the ASN.1 stack under @peculiar/x509); the key is read and the
 * signature checked by node:crypto. Issuance takes from a CSR only its key,
 * its CN and the subjectAltName of its extension request; everything else
 * must be well-formed DER and is ignored.
 *
 * DER only, although asn1js reads BER. A CSR is attacker-supplied and signed
 * as encoded, so it must have one encoding: what this module reads is what
 * was signed and what any other DER reader (OpenSSL) would read. Two checks,
 * because each misses what the other catches:
 *
 * 1. Encoding: every element asn1js read, nested ones included, is DER
 *    (`assertDer`: definite lengths in their shortest form, one identifier
 *    octet, the universal types as X.690 §8 and §10–11 encode them). This
 *    also covers what the schemas leave opaque (ANY: algorithm parameters,
 *    attribute values; OCTET STRING: extension values, read the same way):
 *    asn1-schema re-serialises those as asn1js read them, BER and all.
 * 2. Structure: re-serialising what the schema parsed (AsnConvert.serialize)
 *    gives back the input byte for byte, for the request, its extension
 *    request and its subjectAltName. The schema matcher skips elements a
 *    SEQUENCE has beyond its schema, and an explicitly encoded DEFAULT (an
 *    extension's `critical` FALSE) parses like an absent one; neither
 *    survives the round trip, nor does anything else asn1-schema reads
 *    loosely (unused bits of the signature, a non-minimal subidentifier).
 *
 * An encoding check alone would let a CSR carry bytes no field accounts for;
 * a round trip alone would pass an extension's `critical` BOOLEAN of length
 * 0 or 2 (`01 00`, `01 02 ff ff`) inside the extension request, which is an
 * opaque attribute value to the CertificationRequest schema.
 *
 * Where this is stricter than @peculiar/x509's Pkcs10CertificateRequest was
 * (tests/unit/core/certificate-signing-request.test.ts keeps that version as
 * the reference): DER only (no indefinite or non-minimal lengths, no trailing
 * bytes, no explicitly encoded DEFAULTs), version 0 only, the attributes
 * field present (RFC 2986 §4.1), no SHA-1 signatures, GeneralNames the
 * library silently dropped (other otherNames, x400Address, ediPartyName) and
 * iPAddresses that are not 4 or 16 octets are refused, and a CN must be a
 * string type it can decode. A malformed value of an attribute or extension
 * the service ignores (challengePassword, basicConstraints, …) made the
 * library throw a bare Error (HTTP 500); when it is well-formed DER it is now
 * ignored, as its value is.
 */
import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import { type Attributes, CertificationRequest } from "@peculiar/asn1-csr";
import { id_pkcs9_at_extensionRequest } from "@peculiar/asn1-pkcs9";
import {
  id_mgf1,
  id_RSASSA_PSS,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
  RsaSaPssParams,
} from "@peculiar/asn1-rsa";
import { AsnArray, AsnConvert, AsnParser, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AsnIpConverter,
  type AttributeValue,
  EDIPartyName,
  Extensions,
  id_ce_subjectAltName,
  Name,
  OtherName,
} from "@peculiar/asn1-x509";
import { type AsnType as AsnElement, fromBER, OctetString } from "asn1js";
import type { SubjectAltName } from "./certificate-profiles.js";
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
const KEY_CANNOT_BE_READ = "the CSR's public key cannot be read";

/** Parses and verifies a PEM CSR. InvalidRequestError (field `csr`) for anything unusable. */
export async function verifySigningRequest(
  pem: string,
  crypto: Crypto = globalThis.crypto,
): Promise<VerifiedSigningRequest> {
  let request: ParsedSigningRequest;
  try {
    request = parseSigningRequest(pemBody(pem));
  } catch (error) {
    // Whatever asn1js or asn1-schema throw on hostile input (a bare Error, a schema validation error), it is that.
    throw new InvalidRequestError(NOT_A_CSR, FIELD, { cause: error });
  }
  const key = readPublicKey(request.subjectPublicKeyInfo);
  const keyAlgorithm = keyAlgorithmOf(key);
  let publicKey: CryptoKey;
  try {
    // The same key as a CryptoKey, from its JWK: OpenSSL 3 decoding the SPKI again would cost 1.5-3 times as much.
    publicKey = await crypto.subtle.importKey(
      "jwk",
      key.export({ format: "jwk" }),
      webCryptoParams(keyAlgorithm),
      true,
      ["verify"],
    );
  } catch (error) {
    throw new InvalidRequestError(KEY_CANNOT_BE_READ, FIELD, { cause: error });
  }
  const scheme = signatureScheme(request.signatureAlgorithm);
  if (scheme.family !== KEY_FAMILY[keyAlgorithm] || !(await signatureVerifies(request, scheme, key))) {
    throw new InvalidRequestError(SIGNATURE_DOES_NOT_VERIFY, FIELD);
  }
  const subjectAltNames = request.subjectAltNames.map((name): SubjectAltName => {
    if (name.type === "unsupported") {
      throw new InvalidRequestError(
        `the CSR asks for a ${name.name} subject alternative name, which is not supported`,
        FIELD,
      );
    }
    return name.type === "ip" ? { type: "ip", value: ipAddressText(name.octets) } : name;
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

/** The CSR is not DER, or not a CertificationRequest this service reads (becomes NOT_A_CSR). */
class MalformedRequestError extends Error {
  override readonly name = "MalformedRequestError";
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
  if (labelEnd < 0) throw new MalformedRequestError("no PEM block");
  const label = pem.slice(begin + 11, labelEnd);
  if (!PEM_LABELS.has(label)) throw new MalformedRequestError(`PEM block is ${label}, not CERTIFICATE REQUEST`);
  const bodyStart = labelEnd + 5;
  const end = pem.indexOf(`-----END ${label}-----`, bodyStart);
  if (end < 0) throw new MalformedRequestError("PEM block has no END line");
  const body = pem.slice(bodyStart, end).replace(WHITESPACE, "");
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
    throw new MalformedRequestError("PEM body is not base64");
  }
  const der = Buffer.from(body, "base64");
  // Canonical: padding bits zero, so the body is exactly the encoding of these bytes.
  if (der.toString("base64") !== body) throw new MalformedRequestError("PEM body is not canonical base64");
  return new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
}

// ---------------------------------------------------------------------------
// CertificationRequest (RFC 2986 §4).

/** A GeneralName the CSR asks for: the three the service issues, or the library's name for another type. */
type RequestedName =
  | { type: "dns" | "url"; value: string }
  | { type: "ip"; octets: Uint8Array }
  | { type: "unsupported"; name: string };

interface ParsedSigningRequest {
  /** CertificationRequestInfo, exactly as signed. */
  certificationRequestInfo: Uint8Array<ArrayBuffer>;
  /** SubjectPublicKeyInfo, exactly as in the request. */
  subjectPublicKeyInfo: Uint8Array<ArrayBuffer>;
  signatureAlgorithm: AlgorithmIdentifier;
  /** The signature BIT STRING's bits (whole octets: the round trip refuses unused bits). */
  signature: Uint8Array<ArrayBuffer>;
  /** Every CN of the subject, decoded; `null` for one in a string type not read. */
  commonNames: (string | null)[];
  subjectAltNames: RequestedName[];
}

/** Reads a CertificationRequest's DER; throws (MalformedRequestError or the library's error) for anything else. */
function parseSigningRequest(der: Uint8Array<ArrayBuffer>): ParsedSigningRequest {
  const tree = readDer(der);
  const request = AsnParser.fromASN(tree, CertificationRequest);
  assertRoundTrip(request, der);
  const info = request.certificationRequestInfo;
  if (info.version !== 0) throw new MalformedRequestError("CertificationRequestInfo version must be 0 (v1)");
  // The round trip proved the parse exact, so the raw elements are the ones the schema read.
  const [infoElement] = elementsOf(tree);
  const spkiElement = elementsOf(infoElement as AsnElement)[2] as AsnElement;
  return {
    certificationRequestInfo: copy(infoElement as AsnElement),
    subjectPublicKeyInfo: copy(spkiElement),
    signatureAlgorithm: request.signatureAlgorithm,
    signature: new Uint8Array(request.signature),
    commonNames: subjectCommonNames(info.subject),
    subjectAltNames: requestedSubjectAltNames(info.attributes),
  };
}

/** One DER element filling `der`, read by asn1js and checked DER throughout (assertDer). */
function readDer(der: Uint8Array): AsnElement {
  // parseEmbedded off: asn1js would otherwise try every OCTET and BIT STRING's content as BER too.
  const { offset, result } = fromBER(der, { parseEmbedded: false });
  if (offset === -1) throw new MalformedRequestError(result.error);
  if (offset !== der.byteLength) throw new MalformedRequestError("trailing bytes after the DER element");
  assertDer(result);
  return result;
}

/** Re-serialising `value` gives back `der` exactly: the schema read every byte, and read it as DER says. */
function assertRoundTrip(value: object, der: Uint8Array): void {
  if (!Buffer.from(AsnConvert.serialize(value)).equals(der)) {
    throw new MalformedRequestError("the DER does not re-encode to itself (not DER, or elements the schema skips)");
  }
}

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName: every CN in it. The other
 * attributes' values must be character strings (every attribute a device
 * subject uses is one); their contents are not read.
 */
function subjectCommonNames(subject: Name): (string | null)[] {
  const commonNames: (string | null)[] = [];
  for (const rdn of subject) {
    for (const { type, value } of rdn) {
      if (type === COMMON_NAME_OID) {
        commonNames.push(directoryString(value));
      } else if (value.anyValue !== undefined && !CHARACTER_STRINGS.has(new Uint8Array(value.anyValue)[0] as number)) {
        throw new MalformedRequestError("subject attribute value is not a string");
      }
    }
  }
  return commonNames;
}

const COMMON_NAME_OID = "2.5.4.3";
/** UTF8String, NumericString, PrintableString, TeletexString, VideotexString, IA5String, GraphicString, VisibleString, GeneralString, UniversalString, BMPString. */
const CHARACTER_STRINGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b, 0x1c, 0x1e]);

/**
 * A CN as @peculiar/x509 reads it (asn1js decodes each type: UTF-8,
 * TeletexString as Latin-1, BMPString as UTF-16BE, UniversalString as
 * UTF-32BE; characters beyond the BMP fail the round trip), with
 * PrintableString and IA5String 7-bit. `null` for any other type.
 */
function directoryString(value: AttributeValue): string | null {
  if (value.printableString !== undefined) return ascii(value.printableString);
  if (value.ia5String !== undefined) return ascii(value.ia5String);
  return value.utf8String ?? value.teletexString ?? value.bmpString ?? value.universalString ?? null;
}

function ascii(text: string): string {
  if (/[\u0080-\uffff]/.test(text)) throw new MalformedRequestError("non-ASCII octet in an ASCII string type");
  return text;
}

/**
 * attributes: SET OF Attribute { type, values SET OF ANY }. The extension
 * request (PKCS#9, a single value: Extensions) may appear once; in it, the
 * subjectAltName extension once. Other attributes and extensions must be
 * well-formed DER (checked with the whole request, and extension values
 * here) but are otherwise ignored: issuance takes nothing else from a CSR.
 */
function requestedSubjectAltNames(attributes: Attributes): RequestedName[] {
  const extensionRequests = attributes.filter((attribute) => attribute.type === id_pkcs9_at_extensionRequest);
  if (extensionRequests.length === 0) return [];
  const [extensionRequest, ...others] = extensionRequests;
  if (others.length > 0) throw new MalformedRequestError("more than one extension request");
  const [value, ...moreValues] = extensionRequest?.values ?? [];
  if (value === undefined || moreValues.length > 0)
    throw new MalformedRequestError("an extension request has one value");
  const der = new Uint8Array(value);
  const extensions = AsnConvert.parse(der, Extensions);
  assertRoundTrip(extensions, der);
  let names: RequestedName[] | undefined;
  for (const extension of extensions) {
    // extnValue holds the DER of the extension's value (RFC 5280 §4.1): one element, DER like the rest.
    const extnValue = new Uint8Array(extension.extnValue.buffer);
    readDer(extnValue);
    if (extension.extnID !== id_ce_subjectAltName) continue;
    if (names) throw new MalformedRequestError("more than one subjectAltName extension");
    const generalNames = AsnConvert.parse(extnValue, RequestedGeneralNames);
    assertRoundTrip(generalNames, extnValue);
    names = generalNames.map(requestedName);
  }
  return names ?? [];
}

/**
 * GeneralName (RFC 5280 §4.2.1.6) as asn1-x509 declares it, with two
 * changes: iPAddress stays octets (asn1-x509's converter renders other
 * lengths than 4 and 16 as CIDR or hex text that does not re-encode, and the
 * refusal counts them), and ediPartyName is [5] IMPLICIT as RFC 5280's
 * module says (asn1-x509 reads it EXPLICIT).
 */
@AsnType({ type: AsnTypeTypes.Choice })
class RequestedGeneralName {
  @AsnProp({ type: OtherName, context: 0, implicit: true }) otherName?: OtherName;
  @AsnProp({ type: AsnPropTypes.IA5String, context: 1, implicit: true }) rfc822Name?: string;
  @AsnProp({ type: AsnPropTypes.IA5String, context: 2, implicit: true }) dNSName?: string;
  @AsnProp({ type: AsnPropTypes.Any, context: 3, implicit: true }) x400Address?: ArrayBuffer;
  @AsnProp({ type: Name, context: 4 }) directoryName?: Name;
  @AsnProp({ type: EDIPartyName, context: 5, implicit: true }) ediPartyName?: EDIPartyName;
  @AsnProp({ type: AsnPropTypes.IA5String, context: 6, implicit: true }) uniformResourceIdentifier?: string;
  @AsnProp({ type: AsnPropTypes.OctetString, context: 7, implicit: true }) iPAddress?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier, context: 8, implicit: true }) registeredID?: string;
}

@AsnType({ type: AsnTypeTypes.Sequence, itemType: RequestedGeneralName })
class RequestedGeneralNames extends AsnArray<RequestedGeneralName> {}

const GUID_OID = "1.3.6.1.4.1.311.25.1";
const UPN_OID = "1.3.6.1.4.1.311.20.2.3";

/** A GeneralName; the types the service does not issue by the names @peculiar/x509 gives them (messages name them). */
function requestedName(name: RequestedGeneralName): RequestedName {
  if (name.dNSName !== undefined) return { type: "dns", value: ascii(name.dNSName) };
  if (name.uniformResourceIdentifier !== undefined)
    return { type: "url", value: ascii(name.uniformResourceIdentifier) };
  if (name.iPAddress !== undefined) return { type: "ip", octets: new Uint8Array(name.iPAddress) };
  if (name.otherName !== undefined) {
    const typeId = name.otherName.typeId;
    return { type: "unsupported", name: typeId === GUID_OID ? "guid" : typeId === UPN_OID ? "upn" : "otherName" };
  }
  if (name.rfc822Name !== undefined) return { type: "unsupported", name: "email" };
  if (name.directoryName !== undefined) return { type: "unsupported", name: "dn" };
  if (name.registeredID !== undefined) return { type: "unsupported", name: "id" };
  if (name.x400Address !== undefined) return { type: "unsupported", name: "x400Address" };
  if (name.ediPartyName !== undefined) return { type: "unsupported", name: "ediPartyName" };
  throw new MalformedRequestError("an empty GeneralName");
}

/**
 * An iPAddress as @peculiar/x509 writes it (asn1-x509's converter): IPv4
 * dotted, IPv6 as lower-case hexadecimal groups without leading zeros, the
 * first longest run of two or more zero groups as `::`. Only 4 or 16 octets
 * name an address (RFC 5280 §4.2.1.6); other lengths (name-constraint
 * ranges) are refused.
 */
function ipAddressText(octets: Uint8Array): string {
  if (octets.length !== 4 && octets.length !== 16) {
    throw new InvalidRequestError(
      `the CSR asks for an IP subject alternative name of ${octets.length} octets; an address has 4 (IPv4) or 16 (IPv6)`,
      FIELD,
    );
  }
  return AsnIpConverter.fromASN(new OctetString({ valueHex: octets }));
}

// ---------------------------------------------------------------------------
// DER (X.690 §10–11) over asn1js's reading.

/** The content elements of a constructed element. */
function elementsOf(element: AsnElement): AsnElement[] {
  const { value } = element.valueBlock as { value?: AsnElement[] };
  return element.idBlock.isConstructed && Array.isArray(value) ? value : [];
}

/** The whole encoding of an element, copied (asn1js's view shares the input's buffer). */
function copy(element: AsnElement): Uint8Array<ArrayBuffer> {
  return new Uint8Array(element.valueBeforeDecodeView);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** NumericString, PrintableString, TeletexString, VideotexString, IA5String, GraphicString, VisibleString, GeneralString, OCTET STRING. */
const OPAQUE_PRIMITIVES = new Set([0x04, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b]);

/**
 * Throws unless `element`, as asn1js read it, and everything in it are DER:
 * one identifier octet (every tag in X.509 and PKCS#10 is below 31), a
 * definite length in its shortest form, SEQUENCE and SET constructed and the
 * other universal types primitive, and each of those encoded as X.690 says
 * (BOOLEAN one octet 00 or ff, minimal INTEGERs, BIT STRINGs with at most 7
 * unused bits, empty NULLs, minimal OBJECT IDENTIFIER subidentifiers, UTF-8
 * UTF8Strings, whole BMPString and UniversalString characters, UTCTime and
 * GeneralizedTime in their DER forms). Universal types a CSR has no use for
 * are refused. asn1js bounds the depth (100) and element count (10,000).
 */
function assertDer(element: AsnElement): void {
  const encoding = element.valueBeforeDecodeView;
  const tag = encoding[0] as number;
  const { length } = element.lenBlock;
  if ((tag & 0x1f) === 0x1f) throw new MalformedRequestError("high-tag-number form");
  if (tag === 0x00) throw new MalformedRequestError("end-of-contents octets are not DER");
  const lengthOctets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthOctets.unshift(rest % 256);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthOctets.length, ...lengthOctets];
  // An indefinite length reads as 0 here, with the contents and end-of-contents octets after: no match.
  if (encoding.length !== header.length + length || header.some((octet, i) => encoding[i] !== octet)) {
    throw new MalformedRequestError("not a definite length in its shortest form");
  }
  if (element.idBlock.isConstructed) {
    if (element.idBlock.tagClass === 1 && tag !== 0x30 && tag !== 0x31) {
      throw new MalformedRequestError(`universal type 0x${(tag & 0x1f).toString(16)} must be primitive in DER`);
    }
    for (const inner of elementsOf(element)) assertDer(inner);
  } else if (element.idBlock.tagClass === 1) {
    checkUniversalPrimitive(tag, encoding.subarray(header.length));
  }
}

function checkUniversalPrimitive(tag: number, content: Uint8Array): void {
  const text = () => Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("latin1");
  const [first, second = 0] = content;
  switch (tag) {
    case 0x01:
      if (content.length !== 1 || (first !== 0x00 && first !== 0xff)) throw new MalformedRequestError("BOOLEAN");
      return;
    case 0x02:
    case 0x0a:
      if (
        first === undefined ||
        (content.length > 1 && ((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80)))
      ) {
        throw new MalformedRequestError("INTEGER not minimal");
      }
      return;
    case 0x03:
      if (first === undefined || first > 7 || (content.length === 1 && first !== 0)) {
        throw new MalformedRequestError("BIT STRING");
      }
      return;
    case 0x05:
      if (content.length !== 0) throw new MalformedRequestError("NULL with content");
      return;
    case 0x06:
      // Subidentifiers in base 128: none starts with 0x80 (not minimal), the last one ends (octet below 0x80).
      if (first === undefined || (content.at(-1) as number) >= 0x80)
        throw new MalformedRequestError("OBJECT IDENTIFIER");
      for (let i = 0; i < content.length; i++) {
        if (content[i] === 0x80 && (i === 0 || (content[i - 1] as number) < 0x80)) {
          throw new MalformedRequestError("OBJECT IDENTIFIER subidentifier not minimal");
        }
      }
      return;
    case 0x0c:
      try {
        UTF8.decode(content);
      } catch (error) {
        throw new MalformedRequestError("UTF8String is not UTF-8", { cause: error });
      }
      return;
    case 0x17:
      if (!/^\d{12}Z$/.test(text())) throw new MalformedRequestError("UTCTime");
      return;
    case 0x18:
      if (!/^\d{14}(\.\d*[1-9])?Z$/.test(text())) throw new MalformedRequestError("GeneralizedTime");
      return;
    case 0x1c:
      if (content.length % 4 !== 0) throw new MalformedRequestError("UniversalString");
      return;
    case 0x1e:
      if (content.length % 2 !== 0) throw new MalformedRequestError("BMPString");
      return;
    default:
      if (!OPAQUE_PRIMITIVES.has(tag)) throw new MalformedRequestError(`universal type 0x${tag.toString(16)}`);
  }
}

// ---------------------------------------------------------------------------
// Key and signature.

/** The SPKI as node:crypto (OpenSSL) reads it: on the curve, coordinates in range, a well-formed RSA key. */
function readPublicKey(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({
      key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
      format: "der",
      type: "spki",
    });
  } catch (error) {
    throw new InvalidRequestError(KEY_CANNOT_BE_READ, FIELD, { cause: error });
  }
}

/** The key algorithm: RSA 2048/3072/4096 (rsaEncryption), EC P-256/P-384, Ed25519; refused otherwise. */
function keyAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && [2048, 3072, 4096].includes(details.modulusLength ?? 0)) {
    return `RSA-${details.modulusLength}` as KeyAlgorithm;
  }
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return "EC-P256";
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "secp384r1") return "EC-P384";
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  throw new InvalidRequestError("the CSR's key must be RSA 2048/3072/4096, EC P-256/P-384 or Ed25519", FIELD);
}

type Hash = "sha256" | "sha384" | "sha512";

const HASHES: Record<string, Hash> = { [id_sha256]: "sha256", [id_sha384]: "sha384", [id_sha512]: "sha512" };
const RSA_PKCS1_SIGNATURES: Record<string, Hash> = {
  [id_sha256WithRSAEncryption]: "sha256",
  [id_sha384WithRSAEncryption]: "sha384",
  [id_sha512WithRSAEncryption]: "sha512",
};
const ECDSA_SIGNATURES: Record<string, Hash> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};
const ED25519_OID = "1.3.101.112";
/** Names of signature algorithms met in the wild, for refusals. */
const SIGNATURE_ALGORITHM_NAMES: Record<string, string> = {
  [id_sha256WithRSAEncryption]: "sha256WithRSAEncryption",
  [id_sha384WithRSAEncryption]: "sha384WithRSAEncryption",
  [id_sha512WithRSAEncryption]: "sha512WithRSAEncryption",
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
  [id_RSASSA_PSS]: "RSASSA-PSS",
};

type SignatureScheme =
  | { family: "rsa"; hash: Hash; padding: number; saltLength?: number }
  | { family: "ecdsa"; hash: Hash }
  | { family: "ed25519" };

/**
 * The signature algorithm: sha256/384/512WithRSAEncryption, RSASSA-PSS
 * (SHA-256/384/512, MGF1 with the same hash, trailer field 1: what OpenSSL
 * verifies with a digest and a salt length), ecdsa-with-SHA256/384/512,
 * Ed25519. Anything else, SHA-1 included, is refused naming the algorithm.
 */
function signatureScheme({ algorithm, parameters }: AlgorithmIdentifier): SignatureScheme {
  const pkcs1Hash = RSA_PKCS1_SIGNATURES[algorithm];
  const ecdsaHash = ECDSA_SIGNATURES[algorithm];
  // asn1-schema reads absent parameters as undefined and a NULL as null.
  if (pkcs1Hash && (parameters === undefined || parameters === null)) {
    return { family: "rsa", hash: pkcs1Hash, padding: constants.RSA_PKCS1_PADDING };
  }
  if (ecdsaHash && parameters === undefined) return { family: "ecdsa", hash: ecdsaHash };
  if (algorithm === ED25519_OID && parameters === undefined) return { family: "ed25519" };
  const pss = algorithm === id_RSASSA_PSS && parameters ? rsaPssParameters(parameters) : undefined;
  if (pss) return { family: "rsa", padding: constants.RSA_PKCS1_PSS_PADDING, ...pss };
  const name = SIGNATURE_ALGORITHM_NAMES[algorithm] ?? algorithm;
  const known = pkcs1Hash || ecdsaHash || algorithm === ED25519_OID || algorithm === id_RSASSA_PSS;
  throw new InvalidRequestError(
    `the CSR is signed with ${known ? `${name} with these parameters` : name}, which is not supported: sign it with SHA-256, SHA-384 or SHA-512 (RSA PKCS#1 v1.5, RSA-PSS with MGF1 of the same hash, or ECDSA) or with Ed25519`,
    FIELD,
  );
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1), read with asn1-rsa's schema (and, like
 * the request, re-encoding to itself). Undefined unless the hash is
 * SHA-256/384/512 (not the SHA-1 default), MGF1 uses the same one, the salt
 * is below 2^16 octets and the trailer field is 1.
 */
function rsaPssParameters(parameters: ArrayBuffer): { hash: Hash; saltLength: number } | undefined {
  try {
    const der = new Uint8Array(parameters);
    const params = AsnConvert.parse(der, RsaSaPssParams);
    assertRoundTrip(params, der);
    const hash = hashOf(params.hashAlgorithm);
    const mgf = params.maskGenAlgorithm;
    if (!hash || mgf.algorithm !== id_mgf1 || !mgf.parameters) return undefined;
    const mgfDer = new Uint8Array(mgf.parameters);
    const mgfHash = AsnConvert.parse(mgfDer, AlgorithmIdentifier);
    assertRoundTrip(mgfHash, mgfDer);
    const { saltLength, trailerField } = params;
    if (hashOf(mgfHash) !== hash || trailerField !== 1 || typeof saltLength !== "number" || saltLength > 0xffff) {
      return undefined;
    }
    return { hash, saltLength };
  } catch {
    return undefined; // malformed parameters: refused as unsupported ones
  }
}

/** A hash AlgorithmIdentifier, parameters absent or NULL. */
function hashOf({ algorithm, parameters }: AlgorithmIdentifier): Hash | undefined {
  return parameters === undefined || parameters === null ? HASHES[algorithm] : undefined;
}

const KEY_FAMILY: Record<KeyAlgorithm, SignatureScheme["family"]> = {
  "RSA-2048": "rsa",
  "RSA-3072": "rsa",
  "RSA-4096": "rsa",
  "EC-P256": "ecdsa",
  "EC-P384": "ecdsa",
  Ed25519: "ed25519",
};

/**
 * Proof of possession: the CSR's signature over CertificationRequestInfo,
 * checked with its own key on libuv's thread pool (as WebCrypto's verify
 * runs). OpenSSL takes an ECDSA signature only in DER (it re-encodes and
 * compares), with r and s in range.
 */
function signatureVerifies(request: ParsedSigningRequest, scheme: SignatureScheme, key: KeyObject): Promise<boolean> {
  const { certificationRequestInfo: data, signature } = request;
  const algorithm = scheme.family === "ed25519" ? null : scheme.hash;
  const options =
    scheme.family === "rsa"
      ? { key, padding: scheme.padding, ...(scheme.saltLength === undefined ? {} : { saltLength: scheme.saltLength }) }
      : { key, dsaEncoding: "der" as const };
  return new Promise((resolve) => {
    try {
      verify(algorithm, data, options, signature, (error, verified) => resolve(!error && verified));
    } catch {
      resolve(false);
    }
  });
}
