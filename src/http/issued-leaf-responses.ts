/**
 * Response bodies of a newly issued server or device certificate: the
 * certificate, and the private key the service generated (PEM or PKCS#12),
 * which appears in this response only.
 *
 * Apart from the other bodies (certificate-responses.ts) because PKCS#12
 * encoding brings @peculiar/x509 and the ASN.1 libraries, which the
 * functions that only read (get, list) then do without.
 */
import type { CertificateRecord } from "../core/certificate-repository.js";
import type { IssuedCertificate } from "../core/issuance/issued-certificate.js";
import { encodePkcs12 } from "../core/pkcs12.js";
import { certificateView } from "./certificate-responses.js";
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

export async function deviceIssuedBody(issued: IssuedCertificate, output: LeafOutput) {
  const { record, privateKeyPem } = issued;
  return {
    message: record.from_csr
      ? "Device certificate issued for the CSR and stored."
      : "Device certificate created and stored.",
    device_id: record.subject_id,
    ...certificateView(record),
    ...(await keyMaterial(record, privateKeyPem, output)),
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
