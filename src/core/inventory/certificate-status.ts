import type { CertificateKind } from "../certificate-profiles.js";
import type { IssuerRef } from "../certificate-repository.js";

export const CERTIFICATE_STATUSES = ["valid", "expired", "revoked"] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** The CA whose CRL lists revocations of a certificate of `kind` signed by `issuer`; none for roots. */
export function revocationIssuer(kind: CertificateKind, issuer: string | undefined): IssuerRef | undefined {
  if (kind === "root" || issuer === undefined) return undefined;
  return { kind: kind === "intermediate" ? "root" : "intermediate", name: issuer };
}

/** Revoked wins over expired: a revoked certificate stays revoked. */
export function statusOf(notAfter: string, revoked: boolean, now: Date): CertificateStatus {
  if (revoked) return "revoked";
  return new Date(notAfter).getTime() <= now.getTime() ? "expired" : "valid";
}
