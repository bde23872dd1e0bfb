/**
 * The certificate profiles (RFC 5280), defined in this one place: which
 * extensions a root, an intermediate, a server and a device certificate carry.
 *
 * | kind         | basicConstraints (critical) | keyUsage (critical)                        | extKeyUsage | SAN            |
 * |--------------|-----------------------------|--------------------------------------------|-------------|----------------|
 * | root         | CA                          | keyCertSign, cRLSign                       | —           | —              |
 * | intermediate | CA, pathLen 0               | keyCertSign, cRLSign                       | —           | —              |
 * | server       | not a CA                    | digitalSignature (+ keyEncipherment, RSA)  | serverAuth  | fqdn + extras  |
 * | device       | not a CA                    | digitalSignature (+ keyEncipherment, RSA)  | clientAuth  | optional       |
 *
 * Every certificate has a Subject Key Identifier; every certificate signed by
 * another has an Authority Key Identifier equal to its issuer's SKI and, when
 * a public base URL is configured, a CRL Distribution Point at that issuer's
 * CRL (`<base>/crl/<issuer kind>/<issuer name>`).
 */

import { isRsa, type KeyAlgorithm } from "./key-algorithms.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
} from "./x509.js";

export const CERTIFICATE_KINDS = ["root", "intermediate", "server", "device"] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];
export type CertificateAuthorityKind = "root" | "intermediate";
export type LeafKind = "server" | "device";

/** One Subject Alternative Name entry. */
export interface SubjectAltName {
  type: "dns" | "ip" | "url";
  value: string;
}

export interface ProfileInput {
  kind: CertificateKind;
  /** The public key the certificate certifies. */
  subjectPublicKey: CryptoKey;
  /** Algorithm of the subject key (decides keyEncipherment). */
  subjectKeyAlgorithm: KeyAlgorithm;
  /** The issuing CA's certificate; absent for a self-signed root. */
  issuerCertificate?: X509Certificate | undefined;
  /** SAN entries, for server and device certificates. */
  subjectAltNames?: SubjectAltName[] | undefined;
  /** URL of the issuer's CRL; when set, a CRL Distribution Points extension carries it. */
  crlDistributionPoint?: string | undefined;
}

/** The extensions a certificate of `input.kind` carries. */
export async function profileExtensions(input: ProfileInput, crypto: Crypto = globalThis.crypto): Promise<Extension[]> {
  const { kind, subjectPublicKey, subjectKeyAlgorithm, issuerCertificate, subjectAltNames = [] } = input;
  const extensions: Extension[] = [];
  switch (kind) {
    case "root":
      extensions.push(new BasicConstraintsExtension(true, undefined, true));
      extensions.push(new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true));
      break;
    case "intermediate":
      extensions.push(new BasicConstraintsExtension(true, 0, true));
      extensions.push(new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true));
      break;
    case "server":
    case "device": {
      extensions.push(new BasicConstraintsExtension(false, undefined, true));
      const usages = isRsa(subjectKeyAlgorithm)
        ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
        : KeyUsageFlags.digitalSignature;
      extensions.push(new KeyUsagesExtension(usages, true));
      const purpose = kind === "server" ? ExtendedKeyUsage.serverAuth : ExtendedKeyUsage.clientAuth;
      extensions.push(new ExtendedKeyUsageExtension([purpose], false));
      if (subjectAltNames.length > 0) {
        extensions.push(new SubjectAlternativeNameExtension(subjectAltNames, false));
      }
      break;
    }
  }
  extensions.push(await SubjectKeyIdentifierExtension.create(subjectPublicKey, false, crypto));
  if (issuerCertificate) {
    extensions.push(authorityKeyIdentifier(issuerCertificate));
  }
  if (issuerCertificate && input.crlDistributionPoint) {
    extensions.push(new CRLDistributionPointsExtension([input.crlDistributionPoint], false));
  }
  return extensions;
}

/** AKI = the issuer's own SKI, so path builders match the pair exactly. */
function authorityKeyIdentifier(issuer: X509Certificate): AuthorityKeyIdentifierExtension {
  const ski = issuer.getExtension(SubjectKeyIdentifierExtension);
  if (!ski) {
    throw new Error(`issuer ${issuer.subject} has no Subject Key Identifier`);
  }
  return new AuthorityKeyIdentifierExtension(ski.keyId, false);
}
