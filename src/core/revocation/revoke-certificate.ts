import type { CertificateKind } from "../certificate-profiles.js";
import type { CertificateRecord, CertificateRepository, RevocationRecord } from "../certificate-repository.js";
import { ConflictError, InvalidRequestError, NotFoundError } from "../errors.js";
import { announce, CollectingEventPublisher, revokedEvent } from "../events/certificate-events.js";
import { revocationIssuer } from "../inventory/certificate-status.js";
import type { IotDeviceRegistrationRecord } from "../iot/iot-registration-records.js";
import { type IotContext, iotRegistrationPath } from "../iot/register-device-with-iot.js";
import { publishCertificateRevocationList, type RevocationContext } from "./publish-certificate-revocation-list.js";
import type { RevocationReason } from "./revocation-reasons.js";

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
  /** A device certificate registered with AWS IoT Core: whether IoT now has it REVOKED. */
  iot?: IotRevocation | undefined;
}

/**
 * The IoT side of a device certificate's revocation. When `updated` is false
 * the revocation stands all the same, and
 * `POST /certificates/device/{serial}/iot-registration` sets the status again.
 */
export interface IotRevocation {
  /** The certificate's registration (absent when it could not be read). */
  registration?: IotDeviceRegistrationRecord | undefined;
  /** True when IoT has the certificate REVOKED. */
  updated: boolean;
  error?: Error | undefined;
}

/**
 * Revokes an intermediate CA or a leaf certificate and re-signs its issuer's
 * CRL. Roots cannot be revoked (nothing above them signs a CRL): stop
 * trusting them instead. Revoking twice is a ConflictError.
 *
 * A device certificate registered with AWS IoT Core (with `context.iot`) is
 * set REVOKED there as soon as the revocation is recorded: IoT reads no CRL,
 * so this is what stops the device connecting. IoT failing does not undo
 * the revocation; `iot` in the result says so.
 */
export async function revokeCertificate(
  request: RevokeCertificateRequest,
  repository: CertificateRepository,
  context: RevocationContext = {},
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
      `certificate ${record.serial_number} was already revoked${existing ? ` on ${existing.revoked_at} (${existing.reason})` : ""}${await iotRetryHint(record, context.iot)}`,
      "id",
    );
  }
  const iot = record.kind === "device" && context.iot ? await revokeInIot(record, context.iot) : undefined;
  // `Certificate Revoked` first, then the CRL that lists it: one publish, in that order.
  const crlEvents = new CollectingEventPublisher();
  const crlPem = await publishCertificateRevocationList(issuer, repository, { ...context, events: crlEvents });
  await announce(context.events, [revokedEvent(record, revocation, iot?.registration), ...crlEvents.events]);
  return { record, revocation, crlPem, ...(iot ? { iot } : {}) };
}

/** Sets a registered device certificate REVOKED in IoT; undefined when it is not registered there. Never throws. */
async function revokeInIot(record: CertificateRecord, iot: IotContext): Promise<IotRevocation | undefined> {
  let registration: IotDeviceRegistrationRecord | undefined;
  try {
    registration = await iot.records.findDevice(record.serial_number);
    if (!registration) return undefined;
    await iot.registry.updateCertificateStatus(registration.iot_certificate_id, "REVOKED");
    return { registration, updated: true };
  } catch (error) {
    return { registration, updated: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** For a revoked device certificate registered with IoT: how to set its IoT status again. */
async function iotRetryHint(record: CertificateRecord, iot: IotContext | undefined): Promise<string> {
  if (record.kind !== "device" || !iot) return "";
  const registration = await iot.records.findDevice(record.serial_number).catch(() => undefined);
  return registration
    ? `; to set its AWS IoT Core certificate ${registration.iot_certificate_id} REVOKED again, POST ${iotRegistrationPath(record.serial_number)}`
    : "";
}
