/**
 * The `iot` part of device responses: what AWS IoT Core holds of a device
 * certificate, or which step failed and how to retry it. A CI script reads
 * `iot.registered` (issuance) or `iot.updated` (revocation); on `false`, it
 * sends `iot.retry` as it is (method, path and body).
 */
import { IotServiceError } from "../core/errors.js";
import type { IotDeviceRegistrationRecord } from "../core/iot/iot-registration-records.js";
import {
  type IotDeviceRegistration,
  type IotDeviceRegistrationOptions,
  iotRegistrationPath,
  type StoredDeviceRegistration,
} from "../core/iot/register-device-with-iot.js";
import type { IotRevocation } from "../core/revocation/revoke-certificate.js";
import { problemFor } from "./problem.js";

/**
 * A failed IoT step's error: IoT's code when IoT refused (else null), the
 * HTTP status the API gives such an error, and what went wrong. Not a
 * problem's own `detail`, which for a 503 says "retrying the same request is
 * safe": a new issuance request would issue another certificate; the retry
 * is `retry`.
 */
function iotErrorView(error: Error | undefined) {
  const problem = problemFor(error ?? new Error("unknown failure"));
  if (error instanceof IotServiceError) return { code: error.code, status: problem.status, detail: problem.detail };
  const known = problem.status === 503 || (problem.status === 500 && problem.title === "Service misconfigured");
  return { code: null, status: problem.status, detail: known && error ? error.message : problem.detail };
}

/** A registration IoT holds, in the API's words. */
function registeredView(registration: IotDeviceRegistrationRecord) {
  return {
    registered: true as const,
    iot_certificate_id: registration.iot_certificate_id,
    iot_certificate_arn: registration.iot_certificate_arn,
    thing_name: registration.thing_name ?? null,
    policy_name: registration.policy_name ?? null,
    /** `with_ca` (RegisterCertificate) or `without_ca` (RegisterCertificateWithoutCA). */
    registration: registration.registered,
  };
}

/** A device certificate's registration as `GET /certificates/device/{serial}` shows it (`iot_registration`). */
export function deviceRegistrationView(registration: IotDeviceRegistrationRecord) {
  return { ...registeredView(registration), registered_at: registration.registered_at };
}

/** The retry of a registration or of a revocation's IoT step: POST the iot-registration route with this body. */
function retryOf(serialNumber: string, options: IotDeviceRegistrationOptions = {}) {
  return {
    method: "POST" as const,
    path: iotRegistrationPath(serialNumber),
    body: {
      ...(options.thingName !== undefined ? { thing_name: options.thingName } : {}),
      ...(options.policyName !== undefined ? { policy_name: options.policyName } : {}),
      ...(options.withoutCa ? { without_ca: true } : {}),
    },
  };
}

/** `iot` of an issued device (single or batch item). */
export function iotRegistrationView(serialNumber: string, result: IotDeviceRegistration) {
  if (result.registered) return registeredView(result.registration);
  return {
    registered: false as const,
    failed_step: result.failedStep,
    error: iotErrorView(result.error),
    iot_certificate_id: result.certificate?.certificateId ?? null,
    iot_certificate_arn: result.certificate?.certificateArn ?? null,
    thing_name: result.options.thingName ?? null,
    policy_name: result.options.policyName ?? null,
    retry: retryOf(serialNumber, result.options),
  };
}

const STORED_MESSAGES: Record<StoredDeviceRegistration["outcome"], string> = {
  registered: "Device certificate registered with AWS IoT Core.",
  completed: "Device certificate was registered with AWS IoT Core already; its thing and policy are attached.",
  revoked: "Device certificate is revoked; its AWS IoT Core certificate is now REVOKED.",
};

/** `POST /certificates/device/{serial_number}/iot-registration`. */
export function storedDeviceRegistrationBody(result: StoredDeviceRegistration) {
  return {
    message: STORED_MESSAGES[result.outcome],
    device_id: result.record.subject_id,
    serial_number: result.record.serial_number,
    iot: {
      ...registeredView(result.registration),
      ...(result.outcome === "revoked" ? { status: "REVOKED" as const } : {}),
    },
  };
}

/** `iot` of a revoked device certificate that IoT holds. */
export function iotRevocationView(serialNumber: string, revocation: IotRevocation) {
  const ids = {
    iot_certificate_id: revocation.registration?.iot_certificate_id ?? null,
    iot_certificate_arn: revocation.registration?.iot_certificate_arn ?? null,
  };
  if (revocation.updated) return { updated: true as const, ...ids, status: "REVOKED" as const };
  return {
    updated: false as const,
    ...ids,
    error: iotErrorView(revocation.error),
    retry: retryOf(serialNumber),
  };
}
