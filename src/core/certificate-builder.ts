/**
 * Builds and signs one certificate from a profile. Pure: no storage, no I/O
 * beyond WebCrypto.
 */

import { type CertificateKind, profileExtensions, type SubjectAltName } from "./certificate-profiles.js";
import { type SubjectFields, toX509Name } from "./distinguished-name.js";
import { type KeyAlgorithm, webCryptoParams } from "./key-algorithms.js";
import { randomSerialNumber } from "./serial-number.js";
import type { ValidityPeriod } from "./validity.js";
import { X509Certificate, X509CertificateGenerator } from "./x509.js";

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
  const subject = toX509Name(params.subject);
  const issuer = "issuer" in signer ? signer.issuer : undefined;
  const extensions = await profileExtensions(
    {
      kind: params.kind,
      subjectPublicKey: params.subjectPublicKey,
      subjectKeyAlgorithm: params.subjectKeyAlgorithm,
      issuerCertificate: issuer?.certificate,
      subjectAltNames: params.subjectAltNames,
      crlDistributionPoint: params.crlDistributionPoint,
    },
    crypto,
  );
  const signingAlgorithm = webCryptoParams(issuer ? issuer.keyAlgorithm : params.subjectKeyAlgorithm);
  const signingKey = issuer ? issuer.privateKey : (signer as { selfSigningKey: CryptoKey }).selfSigningKey;
  return X509CertificateGenerator.create(
    {
      serialNumber: params.serialNumber ?? randomSerialNumber(crypto),
      subject,
      issuer: issuer ? issuer.certificate.subjectName : subject,
      notBefore: params.validity.notBefore,
      notAfter: params.validity.notAfter,
      publicKey: params.subjectPublicKey,
      signingKey,
      signingAlgorithm,
      extensions,
    },
    crypto,
  );
}

/** Parses a PEM certificate. */
export function parseCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/** PEM text of a certificate, newline-terminated so PEMs concatenate into chains. */
export function certificatePem(certificate: X509Certificate): string {
  return `${certificate.toString("pem").trim()}\n`;
}
