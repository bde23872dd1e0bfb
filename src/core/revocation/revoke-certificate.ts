import type { CertificateKind } from "../certificate-profiles.js";
import type { CertificateRecord, CertificateRepository, RevocationRecord } from "../certificate-repository.js";
import type { RevocationReason } from "../certificate-revocation-list.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../errors.js";
import { revocationIssuer } from "../inventory/certificate-status.js";
import { type CrlContext, publishCertificateRevocationList } from "./publish-certificate-revocation-list.js";

export interface RevokeCertificateRequest {
  kind: CertificateKind;
  /** CA name (intermediates) or serial number (server, device). */
  id: string;
  /** Default `unspecified`. */
  reason?: RevocationReason | undefined;
}

export interface RevokedCertificate {
  record: CertificateRecord;
  revocation: RevocationRecord;
  /** The issuer's new CRL (PEM), which lists this certificate. */
  crlPem: string;
}

/**
 * Revokes an intermediate CA or a leaf certificate and re-signs its issuer's
 * CRL. Roots cannot be revoked (nothing above them signs a CRL): stop
 * trusting them instead. Revoking twice is a ConflictError.
 */
export async function revokeCertificate(
  request: RevokeCertificateRequest,
  repository: CertificateRepository,
  context: CrlContext = {},
): Promise<RevokedCertificate> {
  const { kind, id, reason = "unspecified" } = request;
  if (kind === "root") {
    throw new InvalidRequestError("a root CA cannot be revoked: remove it from the trust stores instead", "kind");
  }
  const record =
    kind === "intermediate"
      ? await repository.getAuthority("intermediate", id, "id")
      : await repository.findLeaf(kind, id);
  if (!record) throw new NotFoundError(`no ${kind} certificate with serial number '${id}' exists`, "id");
  if (kind !== "intermediate" && reason === "cACompromise") {
    throw new InvalidRequestError("cACompromise applies to CA certificates only", "reason");
  }
  const issuer = revocationIssuer(record.kind, record.issuer);
  if (!issuer) throw new Error(`certificate ${record.serial_number} has no issuer`);
  const revocation: RevocationRecord = {
    kind: record.kind,
    serial_number: record.serial_number,
    subject_id: record.subject_id,
    reason,
    revoked_at: new Date(Math.floor((context.clock ?? (() => new Date()))().getTime() / 1000) * 1000).toISOString(),
  };
  if (!(await repository.addRevocation(issuer, revocation))) {
    const existing = await repository.findRevocation(issuer, record.serial_number);
    throw new ConflictError(
      `certificate ${record.serial_number} was already revoked${existing ? ` on ${existing.revoked_at} (${existing.reason})` : ""}`,
      "id",
    );
  }
  const crlPem = await publishCertificateRevocationList(issuer, repository, context);
  return { record, revocation, crlPem };
}
