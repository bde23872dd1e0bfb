import type { CertificateKind } from "../certificate-profiles.js";
import type { CertificateRecord, CertificateRepository, RevocationRecord } from "../certificate-repository.js";
import { NotFoundError } from "../errors.js";
import type {
  IotCaRegistrationRecord,
  IotDeviceRegistrationRecord,
  IotRegistrationRecords,
} from "../iot/iot-registration-records.js";
import { type CertificateStatus, revocationIssuer, statusOf } from "./certificate-status.js";

export interface CertificateDetails {
  record: CertificateRecord;
  status: CertificateStatus;
  revocation: RevocationRecord | undefined;
  /** Serial number of the certificate that renewed this one (server and device certificates). */
  renewedBy?: string | undefined;
  /** CAs: the CA's registration with AWS IoT Core, when it has one. */
  iotRegistration?: IotCaRegistrationRecord | undefined;
  /** Device certificates: the certificate's registration with AWS IoT Core, when it has one. */
  iotDeviceRegistration?: IotDeviceRegistrationRecord | undefined;
}

/**
 * One certificate by its id: the CA name for roots and intermediates, the
 * serial number for server and device certificates. Never a private key.
 * With `iotRegistrations`, a CA's or device certificate's AWS IoT Core
 * registration comes with it (one more read, beside the revocation's).
 */
export async function getCertificate(
  request: { kind: CertificateKind; id: string },
  repository: CertificateRepository,
  context: { clock?: () => Date; iotRegistrations?: IotRegistrationRecords | undefined } = {},
): Promise<CertificateDetails> {
  const now = (context.clock ?? (() => new Date()))();
  const { kind, id } = request;
  const record =
    kind === "root" || kind === "intermediate"
      ? await repository.getAuthority(kind, id, "id")
      : await repository.findLeaf(kind, id);
  if (!record) throw new NotFoundError(`no ${kind} certificate with serial number '${id}' exists`, "id");
  const issuer = revocationIssuer(record.kind, record.issuer);
  const [revocation, renewedBy, iotRegistration, iotDeviceRegistration] = await Promise.all([
    issuer ? repository.findRevocation(issuer, record.serial_number) : undefined,
    record.kind === "server" || record.kind === "device"
      ? repository.findRenewal(record.kind, record.serial_number)
      : undefined,
    (kind === "root" || kind === "intermediate") && context.iotRegistrations
      ? context.iotRegistrations.findCa(kind, id)
      : undefined,
    kind === "device" && context.iotRegistrations
      ? context.iotRegistrations.findDevice(record.serial_number)
      : undefined,
  ]);
  return {
    record,
    revocation,
    status: statusOf(record.not_after, revocation !== undefined, now),
    ...(renewedBy ? { renewedBy } : {}),
    ...(iotRegistration ? { iotRegistration } : {}),
    ...(iotDeviceRegistration ? { iotDeviceRegistration } : {}),
  };
}
