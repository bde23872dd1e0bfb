/**
 * Builds and signs one certificate from a profile. Pure: no storage, no I/O
 * beyond WebCrypto.
 *
 * Why it does not call @peculiar/x509's X509CertificateGenerator: that
 * generic ASN.1 path costs ~6 ms of main-thread CPU per certificate (schema
 * serialisation, re-parsing its own output), twenty times an EC P-256 key
 * generation and signature. Our certificates have one fixed shape, so this
 * module writes their DER directly, from the same inputs and the same
 * definitions:
 *
 * - which extensions a certificate carries, in which order, with which
 *   values, still comes from `profileExtensions` (certificate-profiles.ts, the
 *   one place profiles are defined): it is called once per profile shape
 *   (kind, key algorithm, issuer, CRL URL, with/without SANs) and its
 *   extensions' DER is reused. Only the two extensions that depend on the
 *   individual certificate are made per certificate: the Subject Key
 *   Identifier (SHA-1 of the subject's key bits, RFC 5280 §4.2.1.2 method 1,
 *   as the library computes it) and the Subject Alternative Name (encoded by
 *   the library's own SubjectAlternativeNameExtension);
 * - the subject name is the `Name` that `toX509Name` builds (its checks and
 *   string types); the issuer name is the issuer certificate's subject, byte
 *   for byte;
 * - validity times follow RFC 5280 §4.1.2.5 (UTCTime through 2049,
 *   GeneralizedTime from 2050, whole seconds), serials are positive
 *   INTEGERs, ECDSA signatures are DER `ECDSA-Sig-Value`s, as the library
 *   writes them.
 *
 * tests/unit/bench/certificate-der.test.ts proves the output equal, byte for
 * byte, to what X509CertificateGenerator makes from the same inputs, and
 * checks it with `openssl x509 -text` and `openssl verify -x509_strict`.
 * Signing stays asynchronous WebCrypto (libuv's thread pool), so issuing in
 * parallel uses every core; only EC P-256 signs in place (see signTbs).
 */
import { createHash, KeyObject, sign } from "node:crypto";
import { type CertificateKind, profileExtensions, type SubjectAltName } from "./certificate-profiles.js";
import { type SubjectFields, toX509Name } from "./distinguished-name.js";
import {
  derConcat,
  derHex,
  derSequence,
  derTlv,
  derUnsignedInteger,
  exportSubjectPublicKeyInfo,
  type KeyAlgorithm,
  webCryptoParams,
} from "./key-algorithms.js";
import { randomSerialNumber } from "./serial-number.js";
import type { ValidityPeriod } from "./validity.js";
import { type Name, SubjectAlternativeNameExtension, X509Certificate } from "./x509.js";

/** A CA able to sign: its certificate, private key and chain. */
export interface SigningAuthority {
  /** The CA's name (e.g. `default`, `servers`). */
  name: string;
  kind: "root" | "intermediate";
  certificate: X509Certificate;
  privateKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  /** PEM of the CA's certificate followed by its issuers' up to the root. */
  chainPem: string;
}

export interface CertificateBuildParams {
  kind: CertificateKind;
  subject: SubjectFields;
  subjectPublicKey: CryptoKey;
  subjectKeyAlgorithm: KeyAlgorithm;
  validity: ValidityPeriod;
  subjectAltNames?: SubjectAltName[] | undefined;
  /** URL of the issuer's CRL, embedded as a CRL Distribution Point. None by default. */
  crlDistributionPoint?: string | undefined;
  /** Serial number as hex; random (see serial-number.ts) by default. */
  serialNumber?: string | undefined;
}

/** Signs a certificate with `issuer`, or self-signs it with `selfSigningKey` (roots). */
export async function buildCertificate(
  params: CertificateBuildParams,
  signer: { issuer: SigningAuthority } | { selfSigningKey: CryptoKey },
  crypto: Crypto = globalThis.crypto,
): Promise<X509Certificate> {
  const subjectName = encodeName(toX509Name(params.subject));
  const issuer = "issuer" in signer ? signer.issuer : undefined;
  const signingKeyAlgorithm = issuer ? issuer.keyAlgorithm : params.subjectKeyAlgorithm;
  const signingKey = issuer ? issuer.privateKey : (signer as { selfSigningKey: CryptoKey }).selfSigningKey;
  const [spki, extensions] = await Promise.all([
    exportSubjectPublicKeyInfo(params.subjectPublicKey, crypto),
    profileTemplate(params, issuer?.certificate, crypto),
  ]);
  const serial = serialNumberOctets(params.serialNumber, crypto);
  const notBefore = wholeSeconds(params.validity.notBefore);
  const notAfter = wholeSeconds(params.validity.notAfter);
  const signatureAlgorithm = signatureAlgorithmIdentifier(signingKeyAlgorithm);
  const tbs = sequence(
    VERSION_3,
    tlv(0x02, serial),
    signatureAlgorithm,
    issuer ? issuerNameOf(issuer.certificate) : subjectName,
    sequence(encodeTime(notBefore), encodeTime(notAfter)),
    subjectName,
    spki,
    tlv(0xa3, sequence(...extensions.map((extension) => extensionDer(extension, params, spki)))),
  );
  const signatureValue = await signTbs(tbs, signingKey, signingKeyAlgorithm, crypto);
  const der = sequence(tbs, signatureAlgorithm, tlv(0x03, concat([ZERO], [signatureValue])));
  return new BuiltCertificate(der, { serial, notBefore, notAfter });
}

/** Parses a PEM certificate. */
export function parseCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/** PEM text of a certificate, newline-terminated so PEMs concatenate into chains. */
export function certificatePem(certificate: X509Certificate): string {
  return pemOf(new Uint8Array(certificate.rawData), "CERTIFICATE");
}

/** PEM as @peculiar/x509 and OpenSSL write it: base64 in 64-character lines. */
function pemOf(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let body = "";
  for (let offset = 0; offset < base64.length; offset += 64) body += `${base64.slice(offset, offset + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------
// The certificate object: an X509Certificate whose DER is known and whose
// parsed form is made only if someone asks for more than serial and dates.

interface BuiltFacts {
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

const builtCertificates = new WeakMap<object, { der: ArrayBuffer; facts: BuiltFacts; parsed?: unknown }>();

/**
 * A real X509Certificate (every method works) built from our DER without
 * parsing it: `rawData`, `serialNumber` and the dates come from what was
 * encoded; the first access to anything else parses the DER once.
 */
class BuiltCertificate extends X509Certificate {
  constructor(der: Uint8Array, facts: BuiltFacts) {
    // The library's "from an ASN.1 object" constructor: it parses nothing. `asn` is lazy (below).
    super({} as never);
    const buffer = der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
    builtCertificates.set(this, { der: buffer, facts });
  }

  override get rawData(): ArrayBuffer {
    return stateOf(this).der;
  }

  override get serialNumber(): string {
    const serial = stateOf(this).facts.serial;
    // As the library reports it: lowercase hex, without the sign octet.
    const octets = serial.length > 1 && serial[0] === 0 && (serial[1] as number) > 0x7f ? serial.subarray(1) : serial;
    return Buffer.from(octets).toString("hex");
  }

  override get notBefore(): Date {
    return new Date(stateOf(this).facts.notBefore);
  }

  override get notAfter(): Date {
    return new Date(stateOf(this).facts.notAfter);
  }
}

function stateOf(certificate: BuiltCertificate): { der: ArrayBuffer; facts: BuiltFacts; parsed?: unknown } {
  const state = builtCertificates.get(certificate);
  if (!state) throw new Error("certificate used before it was built");
  return state;
}

// The library keeps the parsed ASN.1 in `asn`, assigned by its constructor: a lazy accessor on our
// prototype takes that assignment (and ignores it) and parses our DER on first read.
Object.defineProperty(BuiltCertificate.prototype, "asn", {
  configurable: true,
  get(this: BuiltCertificate) {
    const state = builtCertificates.get(this);
    if (!state) return undefined; // during construction
    state.parsed ??= (new X509Certificate(state.der) as unknown as { asn: unknown }).asn;
    return state.parsed;
  },
  set(_value: unknown) {
    // The constructor's placeholder: ignored.
  },
});

// ---------------------------------------------------------------------------
// Extensions: the profile's, made once per profile shape; SKI and SAN per certificate.

const SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
const SUBJECT_ALT_NAME = "2.5.29.17";

type TemplateExtension = Uint8Array | { perCertificate: "ski" | "san"; critical: boolean };

/** Profile templates per issuer certificate (roots: SELF_SIGNED), then per shape. */
const templates = new WeakMap<object, Map<string, Promise<TemplateExtension[]>>>();
const SELF_SIGNED = {};

function profileTemplate(
  params: CertificateBuildParams,
  issuerCertificate: X509Certificate | undefined,
  crypto: Crypto,
): Promise<TemplateExtension[]> {
  const owner = issuerCertificate ?? SELF_SIGNED;
  let shapes = templates.get(owner);
  if (!shapes) {
    shapes = new Map();
    templates.set(owner, shapes);
  }
  const hasNames = (params.subjectAltNames?.length ?? 0) > 0;
  const shape = `${params.kind}|${params.subjectKeyAlgorithm}|${hasNames}|${params.crlDistributionPoint ?? ""}`;
  let template = shapes.get(shape);
  if (!template) {
    const made = makeTemplate(params, issuerCertificate, crypto);
    template = made;
    shapes.set(shape, made);
    made.catch(() => shapes?.delete(shape));
  }
  return template;
}

async function makeTemplate(
  params: CertificateBuildParams,
  issuerCertificate: X509Certificate | undefined,
  crypto: Crypto,
): Promise<TemplateExtension[]> {
  const extensions = await profileExtensions(
    {
      kind: params.kind,
      subjectPublicKey: params.subjectPublicKey,
      subjectKeyAlgorithm: params.subjectKeyAlgorithm,
      issuerCertificate,
      subjectAltNames: params.subjectAltNames,
      crlDistributionPoint: params.crlDistributionPoint,
    },
    crypto,
  );
  return extensions.map((extension): TemplateExtension => {
    if (extension.type === SUBJECT_KEY_IDENTIFIER) return { perCertificate: "ski", critical: extension.critical };
    if (extension.type === SUBJECT_ALT_NAME) return { perCertificate: "san", critical: extension.critical };
    return new Uint8Array(extension.rawData);
  });
}

function extensionDer(extension: TemplateExtension, params: CertificateBuildParams, spki: Uint8Array): Uint8Array {
  if (extension instanceof Uint8Array) return extension;
  if (extension.perCertificate === "san") {
    return new Uint8Array(
      new SubjectAlternativeNameExtension(params.subjectAltNames ?? [], extension.critical).rawData,
    );
  }
  const keyIdentifier = createHash("sha1").update(subjectPublicKeyBits(spki)).digest();
  return sequence(
    oid(SUBJECT_KEY_IDENTIFIER),
    ...(extension.critical ? [BOOLEAN_TRUE] : []),
    tlv(0x04, tlv(0x04, keyIdentifier)),
  );
}

// ---------------------------------------------------------------------------
// Keys, names, serials, times, signatures.

/** The subjectPublicKey BIT STRING's bits (what the Subject Key Identifier hashes). */
function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.contentStart);
  const bits = readTlv(spki, algorithm.end);
  if (bits.tag !== 0x03) throw new Error("not a SubjectPublicKeyInfo");
  return spki.subarray(bits.contentStart + 1, bits.end);
}

/** Issuer names: the issuer certificate's subject, exactly as it was encoded. */
const issuerNames = new WeakMap<X509Certificate, Uint8Array>();

function issuerNameOf(certificate: X509Certificate): Uint8Array {
  let name = issuerNames.get(certificate);
  if (!name) {
    const der = new Uint8Array(certificate.rawData);
    const tbs = readTlv(der, readTlv(der, 0).contentStart);
    let field = readTlv(der, tbs.contentStart);
    if (field.tag === 0xa0) field = readTlv(der, field.end); // version
    const signature = readTlv(der, field.end); // after the serial number
    const issuer = readTlv(der, signature.end);
    const validity = readTlv(der, issuer.end);
    const subject = readTlv(der, validity.end);
    name = der.slice(subject.start, subject.end);
    issuerNames.set(certificate, name);
  }
  return name;
}

/** The DER of a Name: attribute values as their string types say; anything unusual through the library. */
function encodeName(name: Name): Uint8Array {
  const rdns = (name as unknown as { asn?: unknown }).asn;
  if (!Array.isArray(rdns)) return new Uint8Array(name.toArrayBuffer());
  const encoded: Uint8Array[] = [];
  for (const rdn of rdns) {
    // Our RDNs hold one attribute each; a multi-valued one goes through the library.
    if (!Array.isArray(rdn) || rdn.length !== 1) return new Uint8Array(name.toArrayBuffer());
    const { type, value } = rdn[0] as { type?: unknown; value?: Record<string, unknown> };
    let string: Uint8Array | undefined;
    if (typeof type !== "string" || !value) return new Uint8Array(name.toArrayBuffer());
    if (typeof value.utf8String === "string") string = tlv(0x0c, Buffer.from(value.utf8String, "utf8"));
    else if (typeof value.printableString === "string")
      string = tlv(0x13, Buffer.from(value.printableString, "latin1"));
    else if (typeof value.ia5String === "string") string = tlv(0x16, Buffer.from(value.ia5String, "latin1"));
    if (!string) return new Uint8Array(name.toArrayBuffer());
    encoded.push(tlv(0x31, sequence(oid(type), string)));
  }
  return tlv(0x30, concat(encoded));
}

/** Serial number octets as the library makes them: the given hex (random when absent or zero), positive. */
function serialNumberOctets(hex: string | undefined, crypto: Crypto): Uint8Array {
  let octets: Uint8Array = Buffer.from(hex ?? "", "hex");
  if (octets.length === 0 || octets.every((octet) => octet === 0)) {
    octets = Buffer.from(randomSerialNumber(crypto), "hex");
  }
  let first = 0;
  while (first < octets.length - 1 && octets[first] === 0) first++;
  octets = octets.subarray(first);
  return (octets[0] as number) > 0x7f ? concat([ZERO], [octets]) : new Uint8Array(octets);
}

function wholeSeconds(date: Date): Date {
  const copy = new Date(date);
  copy.setUTCMilliseconds(0);
  return copy;
}

/** RFC 5280 §4.1.2.5: UTCTime for years through 2049, GeneralizedTime from 2050. */
function encodeTime(date: Date): Uint8Array {
  const two = (n: number) => String(n).padStart(2, "0");
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return year > 2049
    ? tlv(0x18, Buffer.from(`${String(year).padStart(4, "0")}${rest}`, "latin1"))
    : tlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, "latin1"));
}

/** AlgorithmIdentifier of the signature a key of `algorithm` makes (RFC 4055, RFC 5758, RFC 8410). */
function signatureAlgorithmIdentifier(algorithm: KeyAlgorithm): Uint8Array {
  switch (algorithm) {
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return SHA256_WITH_RSA;
    case "EC-P256":
      return ECDSA_WITH_SHA256;
    case "EC-P384":
      return ECDSA_WITH_SHA384;
    case "Ed25519":
      return ED25519;
  }
}

/**
 * The signature over the TBSCertificate, as X.509 carries it. WebCrypto on
 * libuv's thread pool, except EC P-256 with Node's own WebCrypto: its
 * signature costs ~40 µs, less than handing the job to another thread and
 * back, so it is made here, synchronously, by the same OpenSSL call.
 */
async function signTbs(
  tbs: Uint8Array<ArrayBuffer>,
  key: CryptoKey,
  algorithm: KeyAlgorithm,
  crypto: Crypto,
): Promise<Uint8Array> {
  const keyObject = algorithm === "EC-P256" && crypto === globalThis.crypto ? signingKeyObject(key) : undefined;
  if (keyObject) return sign("sha256", tbs, { key: keyObject, dsaEncoding: "der" });
  const params = webCryptoParams(algorithm);
  const signature = new Uint8Array(await crypto.subtle.sign(params, key, tbs));
  return params.name === "ECDSA" ? ecdsaSigValue(signature) : signature;
}

const signingKeyObjects = new WeakMap<CryptoKey, KeyObject | null>();

/** Node's key object behind a private ECDSA P-256 signing CryptoKey (null for anything else: WebCrypto then decides). */
function signingKeyObject(key: CryptoKey): KeyObject | undefined {
  let keyObject = signingKeyObjects.get(key);
  if (keyObject === undefined) {
    const algorithm = key.algorithm as EcKeyAlgorithm;
    const usable =
      key.type === "private" &&
      key.usages.includes("sign") &&
      algorithm.name === "ECDSA" &&
      algorithm.namedCurve === "P-256";
    try {
      keyObject = usable ? KeyObject.from(key) : null;
    } catch {
      keyObject = null; // not one of Node's CryptoKeys
    }
    signingKeyObjects.set(key, keyObject);
  }
  return keyObject ?? undefined;
}

/** WebCrypto's ECDSA signature (r ‖ s) as the DER ECDSA-Sig-Value X.509 carries (RFC 5758 §3.2). */
function ecdsaSigValue(signature: Uint8Array): Uint8Array {
  const half = signature.length / 2;
  return sequence(derUnsignedInteger(signature.subarray(0, half)), derUnsignedInteger(signature.subarray(half)));
}

// ---------------------------------------------------------------------------
// DER primitives.

const ZERO = new Uint8Array([0]);
const BOOLEAN_TRUE = derHex("0101ff");
const VERSION_3 = derHex("a003020102");
const SHA256_WITH_RSA = derHex("300d06092a864886f70d01010b0500");
const ECDSA_WITH_SHA256 = derHex("300a06082a8648ce3d040302");
const ECDSA_WITH_SHA384 = derHex("300a06082a8648ce3d040303");
const ED25519 = derHex("300506032b6570");

const tlv = derTlv;
const sequence = derSequence;
const concat = (...groups: Uint8Array[][]) => derConcat(groups.flat());

const oids = new Map<string, Uint8Array>();

function oid(dotted: string): Uint8Array {
  let encoded = oids.get(dotted);
  if (!encoded) {
    const arcs = dotted.split(".").map(Number);
    const bytes: number[] = [];
    const [first = 0, second = 0, ...rest] = arcs;
    for (const arc of [first * 40 + second, ...rest]) {
      const group = [arc & 0x7f];
      for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
        group.unshift((value & 0x7f) | 0x80);
      bytes.push(...group);
    }
    encoded = tlv(0x06, new Uint8Array(bytes));
    oids.set(dotted, encoded);
  }
  return encoded;
}

/** One TLV of DER at `offset`: its tag, where its content starts and where it ends. */
function readTlv(der: Uint8Array, offset: number): { tag: number; start: number; contentStart: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error("truncated DER");
  let contentStart = offset + 2;
  if (length > 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[contentStart + i] as number);
    contentStart += count;
  } else if (length === 0x80) {
    throw new Error("indefinite length is not DER");
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, start: offset, contentStart, end };
}
