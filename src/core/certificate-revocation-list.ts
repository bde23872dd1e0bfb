/**
 * Certificate revocation lists (RFC 5280 §5): v2 CRLs with an Authority Key
 * Identifier and a CRL Number, signed by the CA that issued the revoked
 * certificates, through its `Signer`. Made of @peculiar/asn1-x509 structures,
 * like certificates (certificate-builder.ts). Pure: no storage.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  CertificateList,
  CRLNumber,
  CRLReason,
  CRLReasons,
  Extension,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from "@peculiar/asn1-x509";
import { type SigningAuthority, subjectNameOf } from "./certificate-builder.js";
import { pemEncode } from "./pem.js";
import type { RevocationReason } from "./revocation/revocation-reasons.js";
import { serialNumberOctets } from "./serial-number.js";
import { signatureAlgorithmIdentifier } from "./signer.js";
import { AuthorityKeyIdentifierExtension, SubjectKeyIdentifierExtension } from "./x509.js";

/** How long a CRL is valid (nextUpdate − thisUpdate): 7 days. A stale CRL is re-signed when served. */
export const CRL_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface RevokedEntry {
  serialNumber: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** Signs a CRL listing `entries`, numbered `crlNumber`, valid from `now` for CRL_VALIDITY_MS; PEM ("X509 CRL"). */
export async function buildCertificateRevocationList(params: {
  issuer: SigningAuthority;
  entries: RevokedEntry[];
  crlNumber: bigint;
  now: Date;
}): Promise<string> {
  const { issuer, entries, crlNumber, now } = params;
  if (crlNumber < 0n || crlNumber > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("CRL number out of range");
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const ski = issuer.certificate.getExtension(SubjectKeyIdentifierExtension);
  if (!ski) throw new Error(`CA '${issuer.name}' has no Subject Key Identifier`);
  const signatureAlgorithm = signatureAlgorithmIdentifier(issuer.signer.keyAlgorithm);
  const tbsCertList = new TBSCertList({
    version: Version.v2,
    signature: signatureAlgorithm,
    issuer: subjectNameOf(issuer.certificate),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(new Date(thisUpdate.getTime() + CRL_VALIDITY_MS)),
    // RFC 5280 §5.1.2.6: no revokedCertificates at all rather than an empty list.
    revokedCertificates: entries.length === 0 ? undefined : entries.map(revokedCertificate),
    crlExtensions: [
      AsnConvert.parse(new AuthorityKeyIdentifierExtension(ski.keyId, false).rawData, Extension),
      extension(id_ce_cRLNumber, new CRLNumber(Number(crlNumber))),
    ],
  });
  const signature = await issuer.signer.sign(new Uint8Array(AsnConvert.serialize(tbsCertList)));
  const crl = new CertificateList({
    tbsCertList,
    signatureAlgorithm,
    signature: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) as ArrayBuffer,
  });
  // RFC 7468 §5 names the label "X509 CRL" (the only one OpenSSL reads).
  return pemEncode(AsnConvert.serialize(crl), "X509 CRL");
}

function revokedCertificate(entry: RevokedEntry): RevokedCertificate {
  return new RevokedCertificate({
    userCertificate: serialNumberOctets(entry.serialNumber),
    revocationDate: new Time(entry.revokedAt),
    // RFC 5280 §5.3.1: the reason code should be absent rather than "unspecified".
    crlEntryExtensions:
      entry.reason === "unspecified"
        ? undefined
        : [extension(id_ce_cRLReasons, new CRLReason(CRLReasons[entry.reason]))],
  });
}

/** A non-critical extension holding `value`'s DER. */
function extension(extnID: string, value: unknown): Extension {
  return new Extension({ extnID, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
}
