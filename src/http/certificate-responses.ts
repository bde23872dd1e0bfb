/**
 * Response bodies. The seed's fields (`message`, `fqdn`, `s3_folder`,
 * `acm_certificate_arn`) plus what a curl user needs without S3 access.
 * CA private keys never appear in any of them; a leaf's key appears only in
 * the response that created it (issued-leaf-responses.ts).
 */
import type { CertificateKind } from "../core/certificate-profiles.js";
import type { CertificateRecord } from "../core/certificate-repository.js";
import type { CertificateDetails } from "../core/inventory/get-certificate.js";
import type { InventoryItem } from "../core/inventory/list-certificates.js";
import type { IotCaRegistration } from "../core/iot/register-certificate-authority.js";
import type { IssuedCertificate } from "../core/issuance/issued-certificate.js";
import type { RevokedCertificate } from "../core/revocation/revoke-certificate.js";
import { deviceRegistrationView } from "./iot-device-responses.js";

/** The JSON field that names a certificate of each kind, as in the create requests. */
export const SUBJECT_FIELD: Record<CertificateKind, "name" | "fqdn" | "device_id"> = {
  root: "name",
  intermediate: "name",
  server: "fqdn",
  device: "device_id",
};

/** Public view of a stored certificate: metadata and PEMs, never a key. */
export function certificateView(record: CertificateRecord) {
  return {
    serial_number: record.serial_number,
    key_algorithm: record.key_algorithm,
    // Where a CA's key is kept (never the key itself): its storage and, for KMS, the key's ARN.
    ...(record.kind === "root" || record.kind === "intermediate"
      ? { key_storage: record.key_storage ?? "s3", ...(record.kms_key_arn ? { kms_key_arn: record.kms_key_arn } : {}) }
      : {}),
    ...(record.issuer === undefined ? {} : { issuer: record.issuer }),
    not_before: record.not_before,
    not_after: record.not_after,
    s3_folder: record.folder,
    certificate: record.certificate,
    certificate_chain: record.certificate_chain,
  };
}

export function rootCreatedBody({ record }: IssuedCertificate) {
  return { message: "Root CA created and stored.", name: record.subject_id, ...certificateView(record) };
}

export function intermediateCreatedBody({ record }: IssuedCertificate) {
  return { message: "Intermediate CA created and stored.", name: record.subject_id, ...certificateView(record) };
}

/** `GET /certificates/{kind}/{id}`: metadata, PEM, chain and status; never a key. */
export function certificateDetailsBody({
  record,
  status,
  revocation,
  renewedBy,
  iotRegistration,
  iotDeviceRegistration,
}: CertificateDetails) {
  return {
    kind: record.kind,
    [SUBJECT_FIELD[record.kind]]: record.subject_id,
    status,
    ...(revocation ? { revoked_at: revocation.revoked_at, revocation_reason: revocation.reason } : {}),
    ...(record.renews ? { renews: record.renews } : {}),
    ...(renewedBy ? { renewed_by: renewedBy } : {}),
    ...(record.acm_certificate_arn ? { acm_certificate_arn: record.acm_certificate_arn } : {}),
    ...(record.from_csr ? { from_csr: true } : {}),
    created_at: record.created_at,
    ...certificateView(record),
    // CAs registered with AWS IoT Core: the registration (POST /certificates/{kind}/{name}/iot-registration).
    ...(iotRegistration ? { iot_registration: iotRegistration } : {}),
    // Device certificates registered with AWS IoT Core: IoT's id and ARN, the thing and policy (as `iot` on issuance).
    ...(iotDeviceRegistration ? { iot_registration: deviceRegistrationView(iotDeviceRegistration) } : {}),
  };
}

/** One row of `GET /certificates/{kind}`. */
export function inventoryItemView(item: InventoryItem) {
  return {
    id: item.id,
    kind: item.kind,
    [SUBJECT_FIELD[item.kind]]: item.subject_id,
    serial_number: item.serial_number,
    ...(item.issuer === undefined ? {} : { issuer: item.issuer }),
    not_after: item.not_after,
    key_algorithm: item.key_algorithm,
    status: item.status,
  };
}

export function revokedBody({ record, revocation }: RevokedCertificate) {
  const issuerKind = record.kind === "intermediate" ? "root" : "intermediate";
  return {
    message: `Certificate revoked; the CRL of ${issuerKind} CA '${record.issuer}' was re-signed.`,
    kind: record.kind,
    [SUBJECT_FIELD[record.kind]]: record.subject_id,
    serial_number: record.serial_number,
    status: "revoked",
    revoked_at: revocation.revoked_at,
    revocation_reason: revocation.reason,
    crl_path: `/crl/${issuerKind}/${record.issuer}`,
  };
}

/** `POST /certificates/{kind}/{name}/iot-registration`: the registration, and in DEFAULT mode the proof IoT accepted. */
export function iotCaRegistrationBody(
  kind: "root" | "intermediate",
  name: string,
  { record, recovered, registrationCode, verificationCertificatePem }: IotCaRegistration,
) {
  return {
    message: recovered
      ? `AWS IoT Core had registered this ${kind} CA already (an earlier attempt whose record was lost, or a registration made elsewhere); that registration is now recorded.`
      : `The ${kind} CA is registered with AWS IoT Core.`,
    kind,
    name,
    ...record,
    ...(registrationCode ? { registration_code: registrationCode } : {}),
    ...(verificationCertificatePem ? { verification_certificate: verificationCertificatePem } : {}),
  };
}
