/**
 * Device certificates registered with AWS IoT Core as they are issued (or
 * later, on request): `RegisterCertificate` with the issuing intermediate's
 * PEM (that CA must be registered with IoT), or `RegisterCertificateWithoutCA`
 * (devices then send SNI), status `ACTIVE`; then, when asked, a thing
 * (created when missing) and a policy attached to it.
 *
 * The steps, and what a failure leaves:
 *
 * 1. `register_certificate`: IoT holds the certificate. A retry that finds it
 *    there (IoT answers `ResourceAlreadyExistsException`, naming it) carries
 *    on with it: a certificate is never registered twice.
 * 2. `record_registration`: `iot_registrations/device/<serial>.json` says so
 *    (IoT's id and ARN, the thing and policy asked for). It is written once;
 *    from then on a retry skips step 1 and takes the thing and policy from it.
 * 3. `create_thing`, `attach_thing_principal`, `attach_policy`: idempotent in
 *    IoT, so a retry simply makes them again.
 *
 * The certificate itself is stored before step 1, and stays whatever happens
 * here: a failed step is reported (which one, IoT's error code) and retried
 * with `POST /certificates/device/{serial}/iot-registration`
 * (`registerStoredDeviceWithIot`).
 */
import type { CertificateRecord, CertificateRepository } from "../certificate-repository.js";
import { ConfigurationError, ConflictError, DependencyError, IotServiceError, NotFoundError } from "../errors.js";
import { revocationIssuer } from "../inventory/certificate-status.js";
import type { IotCertificateRef, IotDeviceRegistrationRequest, IotRegistry } from "../ports.js";
import type { IotApiRates, PacerClock } from "./iot-call-pacer.js";
import { firstCertificatePem, iotCertificateId } from "./iot-certificate-id.js";
import type { IotDeviceRegistrationRecord, IotRegistrationRecords } from "./iot-registration-records.js";

/** What a request asks of AWS IoT Core for a device certificate (`"iot": {"register": true, ...}`). */
export interface IotDeviceRegistrationOptions {
  /** The thing the certificate is attached to, created when missing; none by default. */
  thingName?: string | undefined;
  /** The IoT policy attached to the certificate; none by default. */
  policyName?: string | undefined;
  /**
   * `RegisterCertificateWithoutCA`, for an issuer not registered with IoT
   * (devices must then send SNI). Default false: `RegisterCertificate` with
   * the issuer's PEM, which needs the issuer registered.
   */
  withoutCa?: boolean | undefined;
}

/** AWS IoT Core (or its local stand-in) and this project's records of it. */
export interface IotContext {
  registry: IotRegistry;
  records: IotRegistrationRecords;
  /** A batch's pace per IoT operation; AWS IoT Core's default rates when absent. */
  rates?: IotApiRates | undefined;
  /** The batch pacer's clock; real time when absent. */
  pacerClock?: PacerClock | undefined;
}

/** The steps of a registration, in order (see the module comment). */
export const IOT_REGISTRATION_STEPS = [
  "register_certificate",
  "record_registration",
  "create_thing",
  "attach_thing_principal",
  "attach_policy",
] as const;

export type IotRegistrationStep = (typeof IOT_REGISTRATION_STEPS)[number];

/** What became of a registration: done, or the step that failed and why. */
export type IotDeviceRegistration =
  | {
      registered: true;
      registration: IotDeviceRegistrationRecord;
      /** True when this call registered the certificate; false when it was registered before. */
      created: boolean;
    }
  | {
      registered: false;
      failedStep: IotRegistrationStep;
      error: Error;
      /** IoT's id and ARN, when the certificate got as far as IoT. */
      certificate?: IotCertificateRef | undefined;
      /** What was asked (the retry asks it again). */
      options: IotDeviceRegistrationOptions;
    };

/** The route that retries a registration (and, for a revoked certificate, its IoT status). */
export function iotRegistrationPath(serialNumber: string): string {
  return `/certificates/device/${serialNumber}/iot-registration`;
}

/**
 * Checks, before anything is written, that devices of intermediate `issuer`
 * can be registered as asked: a 409 that says how otherwise (register the
 * intermediate, or `without_ca`). A missing issuer is the usual 404.
 */
export async function assertIssuerReadyForIot(
  repository: CertificateRepository,
  issuer: string,
  options: IotDeviceRegistrationOptions,
  iot: IotContext | undefined,
): Promise<IotContext> {
  if (!iot) throw new ConfigurationError("AWS IoT Core registration is not configured in this deployment");
  if (options.withoutCa) return iot;
  if (await iot.records.findCa("intermediate", issuer)) return iot;
  await repository.getAuthority("intermediate", issuer, "issuer");
  throw new ConflictError(
    `intermediate CA '${issuer}' is not registered with AWS IoT Core, so IoT cannot register its device certificates with RegisterCertificate: register it first with POST /certificates/intermediate/${issuer}/iot-registration, or ask for "iot": {"register": true, "without_ca": true} (RegisterCertificateWithoutCA; devices must then send SNI). Nothing was issued`,
    "issuer",
  );
}

/**
 * Registers a stored device certificate with IoT, from the step its
 * registration record says it reached. Never throws: a failure is returned
 * with its step. `existing`: the certificate's registration record, if any.
 */
export async function registerDeviceWithIot(
  record: CertificateRecord,
  options: IotDeviceRegistrationOptions,
  iot: IotContext,
  existing?: IotDeviceRegistrationRecord,
  now: () => Date = () => new Date(),
): Promise<IotDeviceRegistration> {
  let step: IotRegistrationStep = "register_certificate";
  let certificate: IotCertificateRef | undefined = existing && {
    certificateId: existing.iot_certificate_id,
    certificateArn: existing.iot_certificate_arn,
  };
  let registration = existing;
  let created = false;
  try {
    if (!registration) {
      const caCertificatePem = options.withoutCa ? undefined : firstCertificatePem(record.certificate_chain);
      certificate = await registerOrFind(iot.registry, {
        certificatePem: record.certificate,
        caCertificatePem,
        status: "ACTIVE",
      });
      step = "record_registration";
      const fresh: IotDeviceRegistrationRecord = {
        serial_number: record.serial_number,
        iot_certificate_id: certificate.certificateId,
        iot_certificate_arn: certificate.certificateArn,
        registered: options.withoutCa ? "without_ca" : "with_ca",
        ...(options.thingName !== undefined ? { thing_name: options.thingName } : {}),
        ...(options.policyName !== undefined ? { policy_name: options.policyName } : {}),
        registered_at: now().toISOString(),
      };
      created = await iot.records.createDevice(fresh);
      // Not created: a concurrent retry recorded it first, and its record is the one that counts.
      registration = created ? fresh : ((await iot.records.findDevice(record.serial_number)) ?? fresh);
    }
    const { thing_name: thingName, policy_name: policyName, iot_certificate_arn: certificateArn } = registration;
    if (thingName !== undefined) {
      step = "create_thing";
      await iot.registry.ensureThing(thingName);
      step = "attach_thing_principal";
      await iot.registry.attachThingPrincipal(thingName, certificateArn);
    }
    if (policyName !== undefined) {
      step = "attach_policy";
      await iot.registry.attachPolicy(policyName, certificateArn);
    }
    return { registered: true, registration, created };
  } catch (error) {
    return { registered: false, failedStep: step, error: asError(error), certificate, options };
  }
}

/** `RegisterCertificate(WithoutCA)`; a certificate IoT already holds (an earlier attempt's) is taken as registered. */
async function registerOrFind(
  registry: IotRegistry,
  request: IotDeviceRegistrationRequest,
): Promise<IotCertificateRef> {
  try {
    return await registry.registerCertificate(request);
  } catch (error) {
    if (
      error instanceof IotServiceError &&
      error.code === "ResourceAlreadyExistsException" &&
      error.resourceArn !== undefined
    ) {
      return {
        certificateId: error.resourceId ?? iotCertificateId(request.certificatePem),
        certificateArn: error.resourceArn,
      };
    }
    throw error;
  }
}

export interface RegisterStoredDeviceRequest {
  serialNumber: string;
  options: IotDeviceRegistrationOptions;
}

/** What `registerStoredDeviceWithIot` did. */
export interface StoredDeviceRegistration {
  record: CertificateRecord;
  registration: IotDeviceRegistrationRecord;
  /**
   * `registered`: registered now; `completed`: registered before, its thing
   * and policy attached again; `revoked`: the certificate is revoked here, and
   * its IoT status was set to REVOKED.
   */
  outcome: "registered" | "completed" | "revoked";
}

/**
 * `POST /certificates/device/{serial}/iot-registration`: brings a stored
 * device certificate's AWS IoT Core registration up to date. Registers it
 * (or finishes an earlier attempt: never twice); for a revoked certificate
 * that IoT holds, sets it REVOKED there (the retry of a revocation's IoT
 * step). A failed step throws IoT's error, naming the step.
 */
export async function registerStoredDeviceWithIot(
  request: RegisterStoredDeviceRequest,
  repository: CertificateRepository,
  iot: IotContext | undefined,
): Promise<StoredDeviceRegistration> {
  const { serialNumber, options } = request;
  if (!iot) throw new ConfigurationError("AWS IoT Core registration is not configured in this deployment");
  const record = await repository.findLeaf("device", serialNumber);
  if (!record?.issuer) {
    throw new NotFoundError(`no device certificate with serial number '${serialNumber}' exists`, "serial_number");
  }
  const issuer = revocationIssuer("device", record.issuer);
  const [revocation, existing] = await Promise.all([
    issuer && repository.findRevocation(issuer, serialNumber),
    iot.records.findDevice(serialNumber),
  ]);
  if (existing) assertSameOptions(existing, options);
  if (revocation) {
    if (!existing) {
      throw new ConflictError(
        `certificate ${serialNumber} was revoked on ${revocation.revoked_at} (${revocation.reason}) and is not registered with AWS IoT Core; a revoked certificate is not registered`,
        "serial_number",
      );
    }
    try {
      await iot.registry.updateCertificateStatus(existing.iot_certificate_id, "REVOKED");
    } catch (error) {
      throw atStep(error, "update_certificate");
    }
    return { record, registration: existing, outcome: "revoked" };
  }
  if (!existing) await assertIssuerReadyForIot(repository, record.issuer, options, iot);
  const result = await registerDeviceWithIot(record, options, iot, existing);
  if (!result.registered) throw atStep(result.error, result.failedStep);
  return { record, registration: result.registration, outcome: result.created ? "registered" : "completed" };
}

/** A registration is recorded once: a retry may repeat what it asked, not ask something else. */
function assertSameOptions(existing: IotDeviceRegistrationRecord, options: IotDeviceRegistrationOptions): void {
  const differs = (field: string, asked: unknown, recorded: unknown) => {
    if (asked !== undefined && asked !== recorded) {
      throw new ConflictError(
        `certificate ${existing.serial_number} is registered with AWS IoT Core as ${existing.iot_certificate_id} with ${describe(existing)}; ${field} ${JSON.stringify(asked)} differs. Send the recorded values, or none`,
        field,
      );
    }
  };
  differs("thing_name", options.thingName, existing.thing_name);
  differs("policy_name", options.policyName, existing.policy_name);
  differs("without_ca", options.withoutCa, existing.registered === "without_ca");
}

function describe(existing: IotDeviceRegistrationRecord): string {
  return [
    existing.thing_name === undefined ? "no thing" : `thing '${existing.thing_name}'`,
    existing.policy_name === undefined ? "no policy" : `policy '${existing.policy_name}'`,
    existing.registered === "without_ca" ? "without its CA" : "with its CA",
  ].join(", ");
}

/** IoT's error with the step in its message (same type, so the same HTTP status). */
function atStep(error: unknown, step: IotRegistrationStep | "update_certificate"): Error {
  const prefix = `AWS IoT Core step ${step} failed`;
  if (error instanceof IotServiceError) {
    return new IotServiceError(error.code, `${prefix}: ${error.message}`, error.field, {
      cause: error,
      resourceId: error.resourceId,
      resourceArn: error.resourceArn,
    });
  }
  if (error instanceof DependencyError) return new DependencyError(`${prefix}: ${error.message}`, { cause: error });
  return asError(error);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new DependencyError(String(error));
}
