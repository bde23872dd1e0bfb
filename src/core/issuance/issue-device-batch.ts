/**
 * Fleet issuance: many device certificates in one call. Each device is issued
 * on its own; one device's failure (say, a CSR that does not verify) is
 * reported in its result and does not stop or undo the others.
 *
 * With `iot` (for the whole batch, or per device: a device's own wins), each
 * device is registered with AWS IoT Core once stored, IoT's calls paced to
 * the account's API rates (iot-call-pacer.ts); each result says whether its
 * device was registered, or which IoT step failed.
 */
import type { CertificateRepository } from "../certificate-repository.js";
import { DependencyError, InvalidRequestError } from "../errors.js";
import { announce, CollectingEventPublisher, withIotRegistration } from "../events/certificate-events.js";
import { DEFAULT_IOT_API_RATES, IotCallPacer, type IotOperation, pacedIotRegistry } from "../iot/iot-call-pacer.js";
import {
  assertIssuerReadyForIot,
  type IotContext,
  type IotDeviceRegistrationOptions,
  registerDeviceWithIot,
} from "../iot/register-device-with-iot.js";
import { isRsa, type KeyAlgorithm } from "../key-algorithms.js";
import { IOT_BATCH_SECONDS, MAX_BATCH_SIZE, MAX_RSA_BATCH_SIZE } from "./batch-limits.js";
import { type IssuedDeviceCertificate, issueDeviceCertificate } from "./issue-device-certificate.js";
import { DEFAULT_CA_NAME, type IssuanceContext, type SignedRequest } from "./issued-certificate.js";
import { loadSigningAuthority } from "./signing-authority.js";

/** Default key of batch devices: EC P-256 (fast to generate; RSA for fleets is slow). */
export const DEFAULT_BATCH_KEY_ALGORITHM: KeyAlgorithm = "EC-P256";
/** Devices issued at once unless the context says otherwise: enough to overlap storage round trips, few enough to bound memory. */
export const DEFAULT_BATCH_CONCURRENCY = 16;

export interface IssueDeviceBatchRequest extends SignedRequest {
  /** Number of devices with generated ids and keys. Give this or `devices`. */
  count?: number | undefined;
  /** Devices to issue, each with an optional id and CSR (and its own `iot`). Give this or `count`. */
  devices?: BatchDevice[] | undefined;
  /** Register every device with AWS IoT Core (a device's own `iot` wins); none by default. */
  iot?: IotDeviceRegistrationOptions | undefined;
}

export interface BatchDevice {
  deviceId?: string | undefined;
  csr?: string | undefined;
  /** This device's IoT registration, over the batch's; `null`: not registered, whatever the batch asks. */
  iot?: IotDeviceRegistrationOptions | null | undefined;
}

export type BatchItemResult =
  | { ok: true; issued: IssuedDeviceCertificate }
  | { ok: false; deviceId: string | undefined; error: Error };

export async function issueDeviceBatch(
  request: IssueDeviceBatchRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<BatchItemResult[]> {
  const { count, devices, iot: batchIot, ...common } = request;
  if ((count === undefined) === (devices === undefined)) {
    throw new InvalidRequestError("give either count or devices", count === undefined ? "count" : "devices");
  }
  const items: BatchDevice[] =
    devices ?? Array.from({ length: count ?? 0 }, () => ({ deviceId: undefined, csr: undefined }));
  if (items.length < 1 || items.length > MAX_BATCH_SIZE) {
    throw new InvalidRequestError(`a batch holds 1 to ${MAX_BATCH_SIZE} devices`, devices ? "devices" : "count");
  }
  const keyAlgorithm = common.keyAlgorithm ?? DEFAULT_BATCH_KEY_ALGORITHM;
  const generatedKeys = items.filter((item) => item.csr === undefined).length;
  if (isRsa(keyAlgorithm) && generatedKeys > MAX_RSA_BATCH_SIZE) {
    throw new InvalidRequestError(
      `a batch generates at most ${MAX_RSA_BATCH_SIZE} RSA keys (about 0.2 s each); use EC-P256 or several batches`,
      "key_algorithm",
    );
  }
  // Fail fast, before any device, when the issuer is missing (or, for IoT, not ready).
  await loadSigningAuthority(repository, "intermediate", common.issuer ?? DEFAULT_CA_NAME, context);
  const iotOptions = items.map((item) => (item.iot === null ? undefined : (item.iot ?? batchIot)));
  const iot = await batchIotContext(iotOptions, repository, common.issuer ?? DEFAULT_CA_NAME, context);

  const results: BatchItemResult[] = new Array(items.length);
  // Each device's event is collected and all are published at the end: PutEvents takes 10 per call.
  const collected = new CollectingEventPublisher();
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index] as BatchDevice;
      const options = iotOptions[index];
      const deviceEvents = new CollectingEventPublisher();
      try {
        const issued: IssuedDeviceCertificate = await issueDeviceCertificate(
          {
            ...common,
            keyAlgorithm: item.csr ? common.keyAlgorithm : keyAlgorithm,
            deviceId: item.deviceId,
            csr: item.csr,
          },
          repository,
          { ...context, events: deviceEvents },
        );
        // Stored: IoT's answer goes into this device's result, whatever it is.
        if (options && iot)
          issued.iot = await registerDeviceWithIot(issued.record, options, iot, undefined, context.clock);
        const registration = issued.iot?.registered ? issued.iot.registration : undefined;
        collected.events.push(...deviceEvents.events.map((event) => withIotRegistration(event, registration)));
        results[index] = { ok: true, issued };
      } catch (error) {
        results[index] = { ok: false, deviceId: item.deviceId, error: asError(error) };
      }
    }
  };
  const concurrency = context.batchConcurrency ?? DEFAULT_BATCH_CONCURRENCY;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  await announce(context.events, collected.events);
  return results;
}

/**
 * The IoT context of a batch, its calls paced, after the checks that refuse
 * the whole batch before anything is written: the issuer registered with IoT
 * (unless every device goes `without_ca`), and no more devices than IoT's
 * rates register in IOT_BATCH_SECONDS. Undefined when no device asks for IoT.
 */
async function batchIotContext(
  options: (IotDeviceRegistrationOptions | undefined)[],
  repository: CertificateRepository,
  issuer: string,
  context: IssuanceContext,
): Promise<IotContext | undefined> {
  const asked = options.filter((option): option is IotDeviceRegistrationOptions => option !== undefined);
  if (asked.length === 0) return undefined;
  const withCa = asked.find((option) => !option.withoutCa);
  const iot = await assertIssuerReadyForIot(repository, issuer, withCa ?? { withoutCa: true }, context.iot);
  const rates = iot.rates ?? DEFAULT_IOT_API_RATES;
  const operations = new Set<IotOperation>();
  for (const option of asked) {
    operations.add(option.withoutCa ? "RegisterCertificateWithoutCA" : "RegisterCertificate");
    if (option.thingName !== undefined) operations.add("CreateThing").add("AttachThingPrincipal");
    if (option.policyName !== undefined) operations.add("AttachPolicy");
  }
  const slowest = [...operations].reduce((slow, operation) => (rates[operation] < rates[slow] ? operation : slow));
  const most = Math.max(1, Math.floor(rates[slowest] * IOT_BATCH_SECONDS));
  if (asked.length > most) {
    throw new InvalidRequestError(
      `a batch registers at most ${most} devices with AWS IoT Core: ${slowest} is paced to ${rates[slowest]} calls per second (the account's rate), ${IOT_BATCH_SECONDS} s for the batch; send several batches of up to ${most}`,
      "iot",
    );
  }
  return { ...iot, registry: pacedIotRegistry(iot.registry, new IotCallPacer(rates, iot.pacerClock)) };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new DependencyError(String(error));
}
