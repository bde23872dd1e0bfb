/**
 * The composition root: the only module that reads the environment and
 * decides which adapters are concrete. Handlers ask it for ready-made
 * services; everything is created once per execution environment (Lambda
 * container or local server process) and reused across invocations.
 *
 * Environment:
 * - `CERTIFICATE_BUCKET_NAME`: when set, certificates go to this S3 bucket and
 *   server certificates are imported into ACM (the Lambda configuration).
 * - `ENDPOINT_URL` (or the AWS tools' standard `AWS_ENDPOINT_URL`): optional
 *   endpoint for S3 and ACM (e.g. a local S3 protocol server); path-style S3
 *   addressing is used then. The template declares `ENDPOINT_URL` empty so
 *   that `sam local start-api --env-vars env.json` can set it.
 * - `AWS_REGION` (or `AWS_DEFAULT_REGION`) and credentials: read by the S3
 *   and ACM adapters (src/adapters/aws), which sign their own requests
 *   instead of loading the AWS SDK (its import alone cost ~200 ms of every
 *   cold start; BENCHMARKS.md).
 * - `LOCAL_STORE_DIR`: when no bucket is set, the directory that stands in for
 *   S3 and ACM (default `.local-store`).
 * - `PUBLIC_BASE_URL`: optional public URL of the API; certificates then carry
 *   a CRL Distribution Point under it.
 * - `KEY_POOL_SIZE`: RSA leaf keys kept ready per RSA size (0 to 64, default 0:
 *   off). The local server sets 4; a Lambda function leaves it off, since it is
 *   frozen between invocations and could not refill a pool (core/key-pool.ts).
 *
 * Test seam: `useServicesForTesting({ objectStore, importer })` makes
 * `configuredObjectStore()` and `certificateImporter()` return the given port
 * implementations (and `certificateRepository()` one on the given store) until
 * `resetServicesForTesting()`, whatever the environment says. Handler tests use
 * it to run a handler in the S3 configuration (`CERTIFICATE_BUCKET_NAME` set)
 * on in-memory fakes of the ports; production code never calls it.
 */
import { FileObjectStore } from "./adapters/file-object-store.js";
import { LocalCertificateImporter } from "./adapters/local-certificate-importer.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import { CertificateRepository } from "./core/certificate-repository.js";
import type { IssuanceContext } from "./core/issuance/issued-certificate.js";
import { KeyPool, MAX_KEY_POOL_SIZE } from "./core/key-pool.js";
import type { CertificateImporter, ObjectStore } from "./core/ports.js";
import { processSingleton, removeProcessSingleton } from "./process-singleton.js";

export type Configuration =
  | { storage: "s3"; bucket: string; endpoint?: string | undefined }
  | { storage: "local"; directory: string };

/** Default directory of the local store. */
export const DEFAULT_LOCAL_STORE_DIR = ".local-store";

/** Reads the configuration from environment variables, once. */
export function readConfiguration(env: NodeJS.ProcessEnv = process.env): Configuration {
  const bucket = env.CERTIFICATE_BUCKET_NAME?.trim();
  const endpoint = env.ENDPOINT_URL?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
  if (bucket) return { storage: "s3", bucket, endpoint };
  return { storage: "local", directory: env.LOCAL_STORE_DIR?.trim() || DEFAULT_LOCAL_STORE_DIR };
}

/** One line that says where certificates go, for start-up logs. */
export function describeConfiguration(config: Configuration): string {
  return config.storage === "s3"
    ? `S3 bucket '${config.bucket}'${config.endpoint ? ` at ${config.endpoint}` : ""}, server certificates imported into ACM`
    : `local store '${config.directory}' (S3 and ACM stand-ins; no AWS account used)`;
}

let configuration: Configuration | undefined;
let objectStore: ObjectStore | undefined;
let repository: CertificateRepository | undefined;
let importer: CertificateImporter | undefined;

function currentConfiguration(): Configuration {
  configuration ??= readConfiguration();
  return configuration;
}

/** The configured object store (S3 or the local directory). */
export function configuredObjectStore(): ObjectStore {
  if (!objectStore) {
    const config = currentConfiguration();
    objectStore =
      config.storage === "s3"
        ? new S3ObjectStore({ bucket: config.bucket, endpoint: config.endpoint })
        : new FileObjectStore(config.directory);
  }
  return objectStore;
}

/** The certificate repository on the configured store. */
export function certificateRepository(): CertificateRepository {
  repository ??= new CertificateRepository(configuredObjectStore());
  return repository;
}

/** The configured certificate importer: ACM, or its local stand-in. */
export function certificateImporter(): CertificateImporter {
  if (!importer) {
    const config = currentConfiguration();
    importer =
      config.storage === "s3"
        ? lazyAcmCertificateImporter(config.endpoint)
        : new LocalCertificateImporter(configuredObjectStore());
  }
  return importer;
}

/**
 * The ACM importer, loaded on its first import: only the server function
 * imports certificates into ACM, and the dynamic import lets esbuild leave
 * the adapter out of every other function's start-up.
 */
function lazyAcmCertificateImporter(endpoint: string | undefined): CertificateImporter {
  let loading: Promise<CertificateImporter> | undefined;
  const load = async (): Promise<CertificateImporter> => {
    const { AcmCertificateImporter } = await import("./adapters/acm-certificate-importer.js");
    return new AcmCertificateImporter({ endpoint });
  };
  return {
    async importCertificate(request) {
      loading ??= load().catch((error: unknown) => {
        loading = undefined; // a failed load is retried by the next import
        throw error;
      });
      return (await loading).importCertificate(request);
    },
  };
}

/** Settings of issuance that come from the environment. */
export function issuanceContext(env: NodeJS.ProcessEnv = process.env): IssuanceContext {
  const publicBaseUrl = env.PUBLIC_BASE_URL?.trim();
  const keyPairs = keyPool(env);
  return {
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(keyPairs ? { keyPairs } : {}),
    // On the local store, 64 devices at once: their key generation and signing run on libuv's thread pool
    // while this thread writes other devices' files. S3 keeps the core's default (see IssuanceContext).
    ...(readConfiguration(env).storage === "local" ? { batchConcurrency: LOCAL_BATCH_CONCURRENCY } : {}),
  };
}

/**
 * Devices a batch issues at once on the local store. Set for the writer
 * thread the store once had; without it, 64 and 16 were within the noise of
 * four interleaved A/Bs (batch calls of 1,000, each ahead in two), so the
 * constant stayed.
 */
const LOCAL_BATCH_CONCURRENCY = 64;

/** Reads `KEY_POOL_SIZE`: 0 (off) when unset; an Error naming the variable when it is not 0 to 64. */
export function keyPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.KEY_POOL_SIZE?.trim() || "0";
  const size = /^\d{1,2}$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 0 && size <= MAX_KEY_POOL_SIZE)) {
    throw new Error(`KEY_POOL_SIZE must be a whole number from 0 (off) to ${MAX_KEY_POOL_SIZE}; got '${value}'`);
  }
  return size;
}

/** The process's key pool (one for every bundle the local server loads), named for `processSingleton`. */
const KEY_POOL = "key-pool";

/** The process's key pool, started (RSA-2048 made ahead) at its first use; undefined when KEY_POOL_SIZE is 0. */
function keyPool(env: NodeJS.ProcessEnv): KeyPool | undefined {
  const size = keyPoolSize(env);
  if (size === 0) return undefined;
  return processSingleton(KEY_POOL, () => new KeyPool({ size, preload: ["RSA-2048"] }).start());
}

/**
 * Test seam: from now until `resetServicesForTesting()`, `configuredObjectStore()`
 * returns `services.objectStore`, `certificateRepository()` a repository on it,
 * and `certificateImporter()` returns `services.importer`. A service not given
 * is created from the environment at its next use, as usual (the local importer
 * then stands on the given store). Services created before the call are dropped.
 */
export function useServicesForTesting(services: { objectStore?: ObjectStore; importer?: CertificateImporter }): void {
  objectStore = services.objectStore;
  repository = undefined;
  importer = services.importer;
}

/** Forgets every created service, so tests can change the environment between cases. */
export function resetServicesForTesting(): void {
  removeProcessSingleton<KeyPool>(KEY_POOL)?.stop();
  configuration = undefined;
  objectStore = undefined;
  repository = undefined;
  importer = undefined;
}
