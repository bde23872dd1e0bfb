/**
 * Response bodies of a newly issued (or renewed) server or device certificate: the
 * certificate, and the private key the service generated (PEM or PKCS#12),
 * which appears in this response only.
 *
 * Apart from the other bodies (certificate-responses.ts) because PKCS#12
 * encoding brings @peculiar/x509 and the ASN.1 libraries, which the
 * functions that only read (get, list) then do without.
 */
import type { CertificateRecord } from "../core/certificate-repository.js";
import type { IssuedDeviceCertificate } from "../core/issuance/issue-device-certificate.js";
import type { IssuedCertificate } from "../core/issuance/issued-certificate.js";
import type { RenewedCertificate } from "../core/lifecycle/renew-certificate.js";
import { encodePkcs12 } from "../core/pkcs12.js";
import { certificateView, SUBJECT_FIELD } from "./certificate-responses.js";
import { iotRegistrationView, iotRevocationView } from "./iot-device-responses.js";
import type { LeafOutput } from "./request-schemas.js";

export async function serverIssuedBody(issued: IssuedCertificate, output: LeafOutput) {
  const { record, privateKeyPem } = issued;
  const imported = record.acm_certificate_arn !== undefined;
  return {
    message: imported
      ? "Server certificate created, stored, and imported to ACM."
      : "Server certificate issued for the CSR and stored; not imported to ACM, which needs the private key.",
    fqdn: record.subject_id,
    acm_certificate_arn: record.acm_certificate_arn ?? null,
    acm_import: imported ? "imported" : "skipped: issued for a CSR, so the service has no private key to import",
    ...certificateView(record),
    ...(await keyMaterial(record, privateKeyPem, output)),
  };
}

/** A new device certificate; with `iot` when it was to be registered with AWS IoT Core (iot-device-responses.ts). */
export async function deviceIssuedBody(issued: IssuedDeviceCertificate, output: LeafOutput) {
  const { record, privateKeyPem } = issued;
  return {
    message: record.from_csr
      ? "Device certificate issued for the CSR and stored."
      : "Device certificate created and stored.",
    device_id: record.subject_id,
    ...certificateView(record),
    ...(await keyMaterial(record, privateKeyPem, output)),
    ...(issued.iot ? { iot: iotRegistrationView(record.serial_number, issued.iot) } : {}),
  };
}

/**
 * `POST /certificates/{server|device}/{serial_number}/renew`: the new
 * certificate, and what became of the old one; for a device certificate
 * registered with AWS IoT Core, the new one's `iot` (as on issuance) and,
 * when the old one was revoked, `previous.iot` (as on revocation).
 */
export async function renewedBody(renewed: RenewedCertificate, output: LeafOutput) {
  const { record, privateKeyPem, previous, previousRevocation, previousRevocationError } = renewed;
  const previousIot = previousRevocation?.iot;
  const isServer = record.kind === "server";
  const acm = isServer ? acmImportOfRenewal(renewed) : undefined;
  return {
    message: `${isServer ? "Server" : "Device"} certificate ${previous.serial_number} renewed by ${record.serial_number}${
      acm?.message ? `; ${acm.message}` : ""
    }.`,
    kind: record.kind,
    [SUBJECT_FIELD[record.kind]]: record.subject_id,
    renews: previous.serial_number,
    key: renewed.keyReused ? "reused" : record.from_csr ? "from_csr" : "new",
    ...(isServer ? { acm_certificate_arn: record.acm_certificate_arn ?? null, acm_import: acm?.status } : {}),
    ...certificateView(record),
    ...(await keyMaterial(record, privateKeyPem, output)),
    ...(renewed.iot ? { iot: iotRegistrationView(record.serial_number, renewed.iot) } : {}),
    previous: {
      serial_number: previous.serial_number,
      not_after: previous.not_after,
      renewed_by: record.serial_number,
      status: previousRevocation ? "revoked" : "valid",
      ...(previousRevocation
        ? {
            revoked_at: previousRevocation.revocation.revoked_at,
            revocation_reason: previousRevocation.revocation.reason,
            crl_path: `/crl/intermediate/${previous.issuer}`,
          }
        : {}),
      ...(previousRevocationError
        ? {
            revocation_error: `not revoked: ${previousRevocationError.message}; revoke it with POST /certificates/${record.kind}/${previous.serial_number}/revoke`,
          }
        : {}),
      ...(previousIot ? { iot: iotRevocationView(previous.serial_number, previousIot) } : {}),
    },
  };
}

/** What happened in ACM, in words a user acts on. */
function acmImportOfRenewal(renewed: RenewedCertificate): { status: string; message?: string } {
  const { record, previous, acmReimported } = renewed;
  if (acmReimported) {
    return {
      status: "reimported",
      message: `re-imported into ACM on the same certificate ARN: whatever uses ${record.acm_certificate_arn} (load balancers, custom domains) now serves the new certificate, with no change on its side`,
    };
  }
  if (record.acm_certificate_arn) {
    return { status: "imported", message: "imported into ACM under a new certificate ARN (the old one had none)" };
  }
  return {
    status: "skipped: issued for a CSR, so the service has no private key to import",
    ...(previous.acm_certificate_arn
      ? {
          message: `not imported into ACM: issued for a CSR; ${previous.acm_certificate_arn} still holds the old certificate`,
        }
      : {}),
  };
}

/** The generated key as PEM (`private_key`) or inside a PKCS#12 bundle (`pkcs12`, base64); nothing for a CSR. */
async function keyMaterial(record: CertificateRecord, privateKeyPem: string | undefined, output: LeafOutput) {
  if (privateKeyPem === undefined) return {};
  if (output.format === "pkcs12" && output.pkcs12Password !== undefined) {
    const bundle = await encodePkcs12({
      privateKeyPem,
      certificatePem: record.certificate,
      chainPem: record.certificate_chain,
      password: output.pkcs12Password,
      friendlyName: record.subject_id,
    });
    return { pkcs12: Buffer.from(bundle).toString("base64") };
  }
  return { private_key: privateKeyPem };
}
