/**
 * Builds and signs one certificate from a profile. Pure: no storage, no I/O
 * beyond WebCrypto and the signer.
 *
 * The certificate is made of @peculiar/asn1-x509 structures serialised by
 * @peculiar/asn1-schema, and signed once, through the issuer's `Signer`, over
 * the TBSCertificate's DER:
 *
 * - which extensions a certificate carries, in which order, with which
 *   values, comes from `profileExtensions` (certificate-profiles.ts, the one
 *   place profiles are defined);
 * - the subject name is the `Name` that `subjectName` builds (its checks and
 *   string types); the issuer name is the issuer certificate's subject, as
 *   its DER holds it;
 * - validity times follow RFC 5280 §4.1.2.5 (asn1-x509's `Time`: UTCTime
 *   through 2049, GeneralizedTime from 2050, whole seconds), serials are
 *   positive INTEGERs, ECDSA signatures DER `ECDSA-Sig-Value`s (the signer's).
 *
 * Not @peculiar/x509's X509CertificateGenerator: it signs with a CryptoKey,
 * and a CA's key need not be one (see signer.ts).
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  type Name as AsnName,
  Certificate,
  Extensions,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { type CertificateKind, profileExtensions, type SubjectAltName } from "./certificate-profiles.js";
import { type SubjectFields, subjectName } from "./distinguished-name.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { pemEncode } from "./pem.js";
import { randomSerialNumber, serialNumberOctets } from "./serial-number.js";
import { type Signer, signatureAlgorithmIdentifier } from "./signer.js";
import type { ValidityPeriod } from "./validity.js";
import { X509Certificate } from "./x509.js";

/** A CA able to sign: its certificate, the signer of its key and its chain. */
export interface SigningAuthority {
  /** The CA's name (e.g. `default`, `servers`). */
  name: string;
  kind: "root" | "intermediate";
  certificate: X509Certificate;
  /** Makes the CA's signatures; its `keyAlgorithm` is the CA key's. */
  signer: Signer;
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
  /** Serial number as hex, positive; random (see serial-number.ts) by default. */
  serialNumber?: string | undefined;
}

/**
 * Signs a certificate with `issuer`, or self-signs it with `selfSigner`, a
 * signer of the subject's own key (roots).
 */
export async function buildCertificate(
  params: CertificateBuildParams,
  signing: { issuer: SigningAuthority } | { selfSigner: Signer },
  crypto: Crypto = globalThis.crypto,
): Promise<X509Certificate> {
  const issuer = "issuer" in signing ? signing.issuer : undefined;
  const signer = "issuer" in signing ? signing.issuer.signer : signing.selfSigner;
  if (!issuer && signer.keyAlgorithm !== params.subjectKeyAlgorithm) {
    throw new Error(
      `a self-signed certificate is signed by its own ${params.subjectKeyAlgorithm} key, not a ${signer.keyAlgorithm} one`,
    );
  }
  const subject = subjectName(params.subject);
  const subjectPublicKeyInfo = AsnConvert.parse(
    await crypto.subtle.exportKey("spki", params.subjectPublicKey),
    SubjectPublicKeyInfo,
  );
  const extensions = profileExtensions({
    kind: params.kind,
    subjectPublicKeyInfo,
    subjectKeyAlgorithm: params.subjectKeyAlgorithm,
    issuerCertificate: issuer?.certificate,
    subjectAltNames: params.subjectAltNames,
    crlDistributionPoint: params.crlDistributionPoint,
  });
  const signatureAlgorithm = signatureAlgorithmIdentifier(signer.keyAlgorithm);
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumberOctets(params.serialNumber ?? randomSerialNumber(crypto)),
    signature: signatureAlgorithm,
    issuer: issuer ? subjectNameOf(issuer.certificate) : subject,
    validity: new Validity({ notBefore: params.validity.notBefore, notAfter: params.validity.notAfter }),
    subject,
    subjectPublicKeyInfo,
    extensions: new Extensions(extensions),
  });
  const signatureValue = await signer.sign(new Uint8Array(AsnConvert.serialize(tbsCertificate)));
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm,
    signatureValue: toArrayBuffer(signatureValue),
  });
  // The library's constructor from the ASN.1 structure: the DER (rawData) is serialised once, when
  // first read (the PEM), rather than serialised here and parsed back (~0.3 ms a certificate). It is
  // the same DER the signature covers: the TBSCertificate serialises deterministically, and its
  // parts shared with other certificates (issuer name, profile extensions) are never modified.
  return new X509Certificate(certificate);
}

/** Parses a PEM certificate. */
export function parseCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/** PEM text of a certificate, newline-terminated so PEMs concatenate into chains. */
export function certificatePem(certificate: X509Certificate): string {
  return pemEncode(certificate.rawData, "CERTIFICATE");
}

/** Subject names of issuer certificates (CAs are loaded once and sign many certificates). */
const subjectNames = new WeakMap<X509Certificate, AsnName>();

/** The subject of `certificate` as its DER holds it: what certificates it signs name as their issuer. */
export function subjectNameOf(certificate: X509Certificate): AsnName {
  let name = subjectNames.get(certificate);
  if (!name) {
    name = AsnConvert.parse(certificate.rawData, Certificate).tbsCertificate.subject;
    subjectNames.set(certificate, name);
  }
  return name;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
