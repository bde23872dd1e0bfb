import type { SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import type { IssuanceContext, IssuedCertificate, SignedRequest } from "./issued-certificate.js";
import { signWithAuthority } from "./sign-with-authority.js";

export interface IssueDeviceRequest extends SignedRequest {
  /** The device's id: its CN and its folder. A random UUID by default. */
  deviceId?: string | undefined;
  /** Optional SAN entries (URIs such as `urn:dev:…` or `spiffe://…`, DNS names). */
  subjectAltNames?: SubjectAltName[] | undefined;
}

/** Default lifetime of a device certificate: 1 year. */
export const DEFAULT_DEVICE_VALIDITY_DAYS = 365;

/** Issues a device (TLS client) certificate from the intermediate `issuer` and stores it. */
export async function issueDeviceCertificate(
  request: IssueDeviceRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<IssuedCertificate> {
  const deviceId = request.deviceId ?? (context.crypto ?? globalThis.crypto).randomUUID();
  const signed = await signWithAuthority(
    {
      kind: "device",
      subjectId: deviceId,
      subject: {
        commonName: deviceId,
        country: request.country,
        state: request.state,
        organization: request.organization,
      },
      request,
      defaultValidityDays: DEFAULT_DEVICE_VALIDITY_DAYS,
      issuerKind: "intermediate",
      subjectAltNames: request.subjectAltNames,
    },
    repository,
    context,
  );
  const { record, privateKeyPem } = signed;
  await repository.writeLeafMaterial(record, {
    certificatePem: record.certificate,
    certificateChainPem: record.certificate_chain,
    privateKeyPem,
  });
  await repository.commitLeaf(record);
  return { record, privateKeyPem };
}
