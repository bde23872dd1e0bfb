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

import { createHash } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  Extension,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  SubjectKeyIdentifier,
  type SubjectPublicKeyInfo,
} from "@peculiar/asn1-x509";
import { isRsa, type KeyAlgorithm } from "./key-algorithms.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  GeneralNames,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  type Extension as X509Extension,
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
  subjectPublicKeyInfo: SubjectPublicKeyInfo;
  /** Algorithm of the subject key (decides keyEncipherment). */
  subjectKeyAlgorithm: KeyAlgorithm;
  /** The issuing CA's certificate; absent for a self-signed root. */
  issuerCertificate?: X509Certificate | undefined;
  /** SAN entries, for server and device certificates. */
  subjectAltNames?: SubjectAltName[] | undefined;
  /** URL of the issuer's CRL; when set, a CRL Distribution Points extension carries it. */
  crlDistributionPoint?: string | undefined;
}

/**
 * The extensions (as asn1-x509 structures) a certificate of `input.kind`
 * carries, in this order: basic constraints, key usage, extended key usage,
 * SANs, SKI, AKI, CRL DP.
 *
 * Those that depend only on the profile (kind and key type) or on the issuer
 * (AKI, CRL DP) are made once, with @peculiar/x509's extension classes, and
 * shared by every certificate that carries them (they are never modified): a
 * CA signs many certificates of one profile. The two made per certificate
 * (SANs, SKI) are built as asn1-x509 structures directly: through the x509
 * classes and back they cost ~0.2 ms each, a fifth of an issuance.
 */
export function profileExtensions(input: ProfileInput): Extension[] {
  const { kind, subjectPublicKeyInfo, subjectKeyAlgorithm, issuerCertificate, subjectAltNames = [] } = input;
  const extensions: Extension[] = [...usageExtensions(kind, isRsa(subjectKeyAlgorithm))];
  if ((kind === "server" || kind === "device") && subjectAltNames.length > 0) {
    // @peculiar/x509's GeneralNames turns the entries (IP addresses among them) into their encoding.
    extensions.push(extension(id_ce_subjectAltName, new GeneralNames(subjectAltNames).rawData));
  }
  // RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey bits.
  const keyIdentifier = createHash("sha1").update(new Uint8Array(subjectPublicKeyInfo.subjectPublicKey)).digest();
  extensions.push(
    extension(
      id_ce_subjectKeyIdentifier,
      AsnConvert.serialize(new SubjectKeyIdentifier(new Uint8Array(keyIdentifier))),
    ),
  );
  if (issuerCertificate) {
    extensions.push(...issuerExtensions(issuerCertificate, input.crlDistributionPoint));
  }
  return extensions;
}

/** A non-critical extension whose value is `value` (DER). */
function extension(extnID: string, value: ArrayBuffer): Extension {
  return new Extension({ extnID, critical: false, extnValue: new OctetString(value) });
}

/** An extension made by @peculiar/x509's classes, as an asn1-x509 structure. */
function asAsn(extension: X509Extension): Extension {
  return AsnConvert.parse(extension.rawData, Extension);
}

const usageExtensionsByProfile = new Map<string, readonly Extension[]>();

/** Basic constraints, key usage and (leaves) extended key usage of a kind with an RSA or other key. */
function usageExtensions(kind: CertificateKind, rsa: boolean): readonly Extension[] {
  const profile = `${kind}/${rsa}`;
  let extensions = usageExtensionsByProfile.get(profile);
  if (!extensions) {
    switch (kind) {
      case "root":
      case "intermediate":
        extensions = [
          new BasicConstraintsExtension(true, kind === "intermediate" ? 0 : undefined, true),
          new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        ].map(asAsn);
        break;
      case "server":
      case "device": {
        const usages = rsa
          ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
          : KeyUsageFlags.digitalSignature;
        const purpose = kind === "server" ? ExtendedKeyUsage.serverAuth : ExtendedKeyUsage.clientAuth;
        extensions = [
          new BasicConstraintsExtension(false, undefined, true),
          new KeyUsagesExtension(usages, true),
          new ExtendedKeyUsageExtension([purpose], false),
        ].map(asAsn);
        break;
      }
    }
    usageExtensionsByProfile.set(profile, extensions);
  }
  return extensions;
}

const issuerExtensionsByIssuer = new WeakMap<X509Certificate, Map<string, readonly Extension[]>>();

/** AKI (= the issuer's own SKI, so path builders match the pair exactly) and, with a URL, the CRL Distribution Point. */
function issuerExtensions(issuer: X509Certificate, crlDistributionPoint: string | undefined): readonly Extension[] {
  let byUrl = issuerExtensionsByIssuer.get(issuer);
  if (!byUrl) {
    byUrl = new Map();
    issuerExtensionsByIssuer.set(issuer, byUrl);
  }
  let extensions = byUrl.get(crlDistributionPoint ?? "");
  if (!extensions) {
    const ski = issuer.getExtension(SubjectKeyIdentifierExtension);
    if (!ski) {
      throw new Error(`issuer ${issuer.subject} has no Subject Key Identifier`);
    }
    extensions = [
      new AuthorityKeyIdentifierExtension(ski.keyId, false),
      ...(crlDistributionPoint ? [new CRLDistributionPointsExtension([crlDistributionPoint], false)] : []),
    ].map(asAsn);
    byUrl.set(crlDistributionPoint ?? "", extensions);
  }
  return extensions;
}
