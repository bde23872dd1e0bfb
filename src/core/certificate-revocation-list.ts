/**
 * Certificate revocation lists (RFC 5280 §5): v2 CRLs with an Authority Key
 * Identifier and a CRL Number, signed by the CA that issued the revoked
 * certificates. Pure: no storage.
 */
import type { SigningAuthority } from "./certificate-builder.js";
import { webCryptoParams } from "./key-algorithms.js";
import type { RevocationReason } from "./revocation/revocation-reasons.js";
import {
  AuthorityKeyIdentifierExtension,
  Extension,
  SubjectKeyIdentifierExtension,
  X509CrlGenerator,
  X509CrlReason,
} from "./x509.js";

/** How long a CRL is valid (nextUpdate − thisUpdate): 7 days. A stale CRL is re-signed when served. */
export const CRL_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface RevokedEntry {
  serialNumber: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** Signs a CRL listing `entries`, numbered `crlNumber`, valid from `now` for CRL_VALIDITY_MS. */
export async function buildCertificateRevocationList(
  params: { issuer: SigningAuthority; entries: RevokedEntry[]; crlNumber: bigint; now: Date },
  crypto: Crypto = globalThis.crypto,
): Promise<string> {
  const { issuer, entries, crlNumber, now } = params;
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const ski = issuer.certificate.getExtension(SubjectKeyIdentifierExtension);
  if (!ski) throw new Error(`CA '${issuer.name}' has no Subject Key Identifier`);
  const crl = await X509CrlGenerator.create(
    {
      issuer: issuer.certificate.subjectName,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + CRL_VALIDITY_MS),
      signingAlgorithm: webCryptoParams(issuer.keyAlgorithm),
      signingKey: issuer.privateKey,
      extensions: [
        new AuthorityKeyIdentifierExtension(ski.keyId, false),
        new Extension("2.5.29.20", false, derInteger(crlNumber)),
      ],
      entries: entries.map((entry) => ({
        serialNumber: entry.serialNumber,
        revocationDate: entry.revokedAt,
        // RFC 5280 §5.3.1: the reason code should be absent rather than "unspecified".
        ...(entry.reason === "unspecified" ? {} : { reason: X509CrlReason[entry.reason] }),
      })),
    },
    crypto,
  );
  // RFC 7468 §5 names the label "X509 CRL" (the only one OpenSSL reads); the library writes "CRL".
  return `${crl
    .toString("pem")
    .trim()
    .replace(/-----(BEGIN|END) CRL-----/g, "-----$1 X509 CRL-----")}\n`;
}

/** DER encoding of a non-negative INTEGER (for the CRL Number extension). */
function derInteger(value: bigint): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const content = Buffer.from(hex, "hex");
  const der = Buffer.concat([Buffer.from([0x02, content.length]), content]);
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}
