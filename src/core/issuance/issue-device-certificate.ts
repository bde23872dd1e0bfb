import type { SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { announce, issuedEvent } from "../events/certificate-events.js";
import {
  assertIssuerReadyForIot,
  type IotDeviceRegistration,
  type IotDeviceRegistrationOptions,
  registerDeviceWithIot,
} from "../iot/register-device-with-iot.js";
import { DEVICE_ID_PATTERN } from "../names.js";
import {
  DEFAULT_CA_NAME,
  type IssuanceContext,
  type IssuedCertificate,
  type LeafRequest,
} from "./issued-certificate.js";
import { subjectKeyFromSigningRequest } from "./leaf-subject-key.js";
import { signWithAuthority } from "./sign-with-authority.js";

export interface IssueDeviceRequest extends LeafRequest {
  /**
   * The device's id: its CN and its folder. Default: the CSR's CN when a CSR
   * is given and its CN is a valid device id, otherwise a random UUID.
   */
  deviceId?: string | undefined;
  /** Optional SAN entries (URIs such as `urn:dev:…` or `spiffe://…`, DNS names). */
  subjectAltNames?: SubjectAltName[] | undefined;
  /**
   * Register the certificate with AWS IoT Core once it is stored (see
   * src/core/iot/register-device-with-iot.ts); not registered by default.
   */
  iot?: IotDeviceRegistrationOptions | undefined;
}

/** An issued device certificate, and its AWS IoT Core registration when one was asked for. */
export interface IssuedDeviceCertificate extends IssuedCertificate {
  iot?: IotDeviceRegistration | undefined;
}

/** Default lifetime of a device certificate: 1 year. */
export const DEFAULT_DEVICE_VALIDITY_DAYS = 365;

/**
 * Issues a device (TLS client) certificate from the intermediate `issuer` and
 * stores it; with `iot`, then registers it with AWS IoT Core. A request IoT
 * could not take (its issuer not registered there) is refused before
 * anything is written; an IoT step that fails after the certificate is
 * stored is reported in `iot`, and the certificate stays.
 */
export async function issueDeviceCertificate(
  request: IssueDeviceRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<IssuedDeviceCertificate> {
  const iot = request.iot
    ? await assertIssuerReadyForIot(repository, request.issuer ?? DEFAULT_CA_NAME, request.iot, context.iot)
    : undefined;
  const crypto = context.crypto ?? globalThis.crypto;
  const subjectAltNames = request.subjectAltNames ?? [];
  // Default id: the CSR's CN when it is a valid device id, otherwise a random UUID (then a CSR CN is refused).
  let deviceId = request.deviceId ?? crypto.randomUUID();
  const subjectKey =
    request.existingKey ??
    (await subjectKeyFromSigningRequest(
      request,
      ({ commonName }) => {
        if (request.deviceId === undefined && commonName !== undefined && DEVICE_ID_PATTERN.test(commonName)) {
          deviceId = commonName;
        }
        return { commonName: deviceId, subjectAltNames };
      },
      crypto,
    ));
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
      subjectAltNames,
      subjectKey,
    },
    repository,
    context,
  );
  const privateKeyPem = signed.privateKeyPem ?? request.existingKey?.privateKeyPem;
  const record = {
    ...signed.record,
    ...(request.csr !== undefined ? { from_csr: true } : {}),
    ...(request.renews ? { renews: request.renews } : {}),
  };
  await repository.writeLeafMaterial(record, {
    certificatePem: record.certificate,
    certificateChainPem: record.certificate_chain,
    privateKeyPem,
  });
  await repository.commitLeaf(record);
  // Stored first: IoT failing is reported in `iot`, never undoes the certificate.
  const registration =
    request.iot && iot ? await registerDeviceWithIot(record, request.iot, iot, undefined, context.clock) : undefined;
  // The event names the IoT certificate when IoT took it.
  await announce(context.events, [
    issuedEvent(record, subjectAltNames, registration?.registered ? registration.registration : undefined),
  ]);
  return { record, privateKeyPem, ...(registration ? { iot: registration } : {}) };
}
