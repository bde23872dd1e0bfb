/**
 * Fleet issuance: many device certificates in one call. Each device is issued
 * on its own; one device's failure (say, a CSR that does not verify) is
 * reported in its result and does not stop or undo the others.
 */
import type { CertificateRepository } from "../certificate-repository.js";
import { DependencyError, InvalidRequestError } from "../errors.js";
import { announce, CollectingEventPublisher } from "../events/certificate-events.js";
import { isRsa, type KeyAlgorithm } from "../key-algorithms.js";
import { MAX_BATCH_SIZE, MAX_RSA_BATCH_SIZE } from "./batch-limits.js";
import { issueDeviceCertificate } from "./issue-device-certificate.js";
import type { IssuanceContext, IssuedCertificate, SignedRequest } from "./issued-certificate.js";
import { loadSigningAuthority } from "./signing-authority.js";

/** Default key of batch devices: EC P-256 (fast to generate; RSA for fleets is slow). */
export const DEFAULT_BATCH_KEY_ALGORITHM: KeyAlgorithm = "EC-P256";
/** Devices issued at once unless the context says otherwise: enough to overlap storage round trips, few enough to bound memory. */
export const DEFAULT_BATCH_CONCURRENCY = 16;

export interface IssueDeviceBatchRequest extends SignedRequest {
  /** Number of devices with generated ids and keys. Give this or `devices`. */
  count?: number | undefined;
  /** Devices to issue, each with an optional id and CSR. Give this or `count`. */
  devices?: { deviceId?: string | undefined; csr?: string | undefined }[] | undefined;
}

export type BatchItemResult =
  | { ok: true; issued: IssuedCertificate }
  | { ok: false; deviceId: string | undefined; error: Error };

export async function issueDeviceBatch(
  request: IssueDeviceBatchRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<BatchItemResult[]> {
  const { count, devices, ...common } = request;
  if ((count === undefined) === (devices === undefined)) {
    throw new InvalidRequestError("give either count or devices", count === undefined ? "count" : "devices");
  }
  const items = devices ?? Array.from({ length: count ?? 0 }, () => ({ deviceId: undefined, csr: undefined }));
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
  // Fail fast, before any device, when the issuer is missing.
  await loadSigningAuthority(repository, "intermediate", common.issuer ?? "default", context);

  const results: BatchItemResult[] = new Array(items.length);
  // Each device's event is collected and all are published at the end: PutEvents takes 10 per call.
  const collected = new CollectingEventPublisher();
  const deviceContext = { ...context, events: collected };
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      const item = items[index] as { deviceId?: string; csr?: string };
      try {
        const issued = await issueDeviceCertificate(
          {
            ...common,
            keyAlgorithm: item.csr ? common.keyAlgorithm : keyAlgorithm,
            deviceId: item.deviceId,
            csr: item.csr,
          },
          repository,
          deviceContext,
        );
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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new DependencyError(String(error));
}
