/**
 * Reads back what was issued: a certificate's names, validity and extensions
 * as plain data, so the issuance tests assert on the parsed DER and not on
 * what the code meant to write.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from "../../../../src/core/x509.js";

export interface InspectedCertificate {
  certificate: X509Certificate;
  serialNumber: string;
  /** Attribute type → values, e.g. `{ CN: ["broker"] }`. */
  subject: Record<string, string[]>;
  issuer: Record<string, string[]>;
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithm: { name: string; hash: string | undefined };
  publicKeyAlgorithm: string;
  basicConstraints: { critical: boolean; ca: boolean; pathLength: number | undefined } | undefined;
  keyUsage: { critical: boolean; usages: number } | undefined;
  extendedKeyUsage: { critical: boolean; usages: string[] } | undefined;
  subjectAltNames: { critical: boolean; names: { type: string; value: string }[] } | undefined;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
  /** OIDs of every extension, in order. */
  extensionOids: string[];
}

export const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
export const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

export function inspectCertificate(pem: string): InspectedCertificate {
  const certificate = new X509Certificate(pem);
  const names = (name: X509Certificate["subjectName"]) => {
    const fields: Record<string, string[]> = {};
    for (const rdn of name.toJSON()) {
      for (const [type, values] of Object.entries(rdn)) fields[type] = [...(fields[type] ?? []), ...values];
    }
    return fields;
  };
  const basicConstraints = certificate.getExtension(BasicConstraintsExtension);
  const keyUsage = certificate.getExtension(KeyUsagesExtension);
  const extendedKeyUsage = certificate.getExtension(ExtendedKeyUsageExtension);
  const san = certificate.getExtension(SubjectAlternativeNameExtension);
  const signature = certificate.signatureAlgorithm;
  return {
    certificate,
    serialNumber: certificate.serialNumber.toLowerCase(),
    subject: names(certificate.subjectName),
    issuer: names(certificate.issuerName),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    signatureAlgorithm: { name: signature.name, hash: signature.hash?.name },
    publicKeyAlgorithm: certificate.publicKey.algorithm.name,
    basicConstraints: basicConstraints
      ? { critical: basicConstraints.critical, ca: basicConstraints.ca, pathLength: basicConstraints.pathLength }
      : undefined,
    keyUsage: keyUsage ? { critical: keyUsage.critical, usages: keyUsage.usages } : undefined,
    extendedKeyUsage: extendedKeyUsage
      ? { critical: extendedKeyUsage.critical, usages: extendedKeyUsage.usages.map(String) }
      : undefined,
    subjectAltNames: san
      ? { critical: san.critical, names: san.names.items.map((item) => ({ type: item.type, value: item.value })) }
      : undefined,
    subjectKeyId: certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId ?? undefined,
    authorityKeyId: certificate.getExtension(AuthorityKeyIdentifierExtension)?.keyId ?? undefined,
    extensionOids: certificate.extensions.map((extension) => extension.type),
  };
}

/** True when `certificate`'s signature verifies with `issuer`'s public key. */
export async function isSignedBy(certificate: X509Certificate, issuer: X509Certificate): Promise<boolean> {
  return certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true });
}

/** True when the PEM private key is the key the certificate certifies. */
export function keyMatchesCertificate(privateKeyPem: string, certificate: X509Certificate): boolean {
  const derived = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
  return Buffer.from(certificate.publicKey.rawData).equals(derived);
}
