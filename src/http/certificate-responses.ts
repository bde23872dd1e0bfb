/**
 * Response bodies. The seed's fields (`message`, `fqdn`, `s3_folder`,
 * `acm_certificate_arn`) plus what a curl user needs without S3 access.
 * CA private keys never appear in any of them.
 */
import type { CertificateRecord } from "../core/certificate-repository.js";
import type { IssuedCertificate } from "../core/issuance/issued-certificate.js";

/** Public view of a stored certificate: metadata and PEMs, never a key. */
export function certificateView(record: CertificateRecord) {
  return {
    serial_number: record.serial_number,
    key_algorithm: record.key_algorithm,
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

export function serverIssuedBody({ record, privateKeyPem }: IssuedCertificate) {
  return {
    message: "Server certificate created, stored, and imported to ACM.",
    fqdn: record.subject_id,
    acm_certificate_arn: record.acm_certificate_arn,
    ...certificateView(record),
    private_key: privateKeyPem,
  };
}

export function deviceIssuedBody({ record, privateKeyPem }: IssuedCertificate) {
  return {
    message: "Device certificate created and stored.",
    device_id: record.subject_id,
    ...certificateView(record),
    private_key: privateKeyPem,
  };
}

export function authorityBody(record: CertificateRecord) {
  return { name: record.subject_id, kind: record.kind, ...certificateView(record) };
}
