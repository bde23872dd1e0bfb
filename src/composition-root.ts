/**
 * The composition root: the only module that reads the environment and
 * decides which adapters are concrete. Handlers ask it for ready-made
 * services; everything is created once per execution environment (Lambda
 * container or local server process) and reused across invocations.
 *
 * Environment:
 * - `CERTIFICATE_BUCKET_NAME`: when set, certificates go to this S3 bucket and
 *   server certificates are imported into ACM (the Lambda configuration).
 * - `ENDPOINT_URL`: optional endpoint for S3 and ACM (e.g. a local S3 protocol
 *   server), passed to both SDK clients as `endpoint`. The template declares it
 *   empty so that `sam local start-api --env-vars env.json` can set it. The
 *   SDK's own settings work as well: `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`,
 *   `AWS_ENDPOINT_URL_ACM` and profile `endpoint_url`s. S3 is addressed
 *   path-style (`<endpoint>/<bucket>/<key>`) whenever `ENDPOINT_URL`,
 *   `AWS_ENDPOINT_URL` or `AWS_ENDPOINT_URL_S3` is set.
 * - Region, credentials and retries are the AWS SDK's (`AWS_REGION`, the
 *   default credential chain, `AWS_PROFILE`, `AWS_MAX_ATTEMPTS`,
 *   `AWS_RETRY_MODE`): the clients are made with no settings of ours beyond
 *   the endpoint, path style and request timeouts (`AWS_REQUEST_TIMEOUTS`).
 * - `LOCAL_STORE_DIR`: when no bucket is set, the directory that stands in for
 *   S3 and ACM (default `.local-store`).
 * - `PUBLIC_BASE_URL`: optional public URL of the API; certificates then carry
 *   a CRL Distribution Point under it.
 * - `KEY_POOL_SIZE`: RSA leaf keys kept ready per RSA size (0 to 64, default 0:
 *   off). The local server sets 4; a Lambda function leaves it off, since it is
 *   frozen between invocations and could not refill a pool (core/key-pool.ts).
 * - `EVENT_BUS_NAME`: with a bucket, the EventBridge bus that receives the
 *   certificate events (`default` for the account's default bus); unset or
 *   empty: no events. Without a bucket, events are appended to
 *   `events.jsonl` in the local store instead, whatever this says.
 * - `EXPIRY_WARNING_DAYS`: the expiry scan's thresholds, comma-separated days
 *   (default `30,7,1`).
 * - `CERTIFICATE_PROVIDER_ISSUER`: the device intermediate that signs the
 *   CSRs AWS IoT Core's certificate provider passes to its function
 *   (`src/iot-provider/certificate-provider.ts`); the template sets it from
 *   `IotCertificateProviderIssuer` on that function only.
 *
 * - `DEFAULT_CA_KEY_STORAGE`: where a new CA's key goes when its request has
 *   no `key_storage`: `s3` (default; a PEM in the store) or `kms` (an AWS KMS
 *   key that never leaves KMS). The template sets it from `DefaultCaKeyStorage`.
 *   `kms` needs `CERTIFICATE_BUCKET_NAME`: the local store has no KMS.
 * - `STACK_NAME`: the project tag's value on KMS CA keys and their aliases'
 *   prefix (`alias/<stack>/<kind>/<name>`); default `iot-certificates-local`.
 *   The KMS client honours `ENDPOINT_URL`, `AWS_ENDPOINT_URL_KMS` and
 *   `AWS_ENDPOINT_URL` like the others, and retries in the SDK's `adaptive`
 *   mode unless `AWS_RETRY_MODE` says otherwise (it rate-limits itself
 *   after throttling: KMS's Sign quotas are per account and Region).
 *
 * - `IOT_PROVISIONING_ROLE_ARN`: the role AWS IoT Core assumes for
 *   just-in-time provisioning with the default template (the template's
 *   `IotProvisioningRole`). IoT calls go to AWS IoT Core with a bucket
 *   (honouring `ENDPOINT_URL`, `AWS_ENDPOINT_URL_IOT`, `AWS_ENDPOINT_URL`), to
 *   a stand-in under `iot/` in the local store without one.
 * - `IOT_API_RATES`: the pace of a batch's IoT calls, as
 *   `<operation>=<calls per second>` pairs over AWS IoT Core's default rates
 *   (RegisterCertificate 10, AttachPolicy 15, CreateThing and
 *   AttachThingPrincipal 100, ...; src/core/iot/iot-call-pacer.ts), e.g.
 *   `RegisterCertificate=50` for an account whose quota was raised.
 *
 * Test seam: `useServicesForTesting({ objectStore, importer, events, iot })` makes
 * `configuredObjectStore()`, `certificateImporter()`, `eventPublisher()` and `iotRegistry()`
 * return the given port implementations (and `certificateRepository()` one on
 * the given store) until `resetServicesForTesting()`, whatever the environment
 * says. Handler tests use it to run a handler in the S3 configuration
 * (`CERTIFICATE_BUCKET_NAME` set) on in-memory fakes of the ports; production
 * code never calls it.
 */
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { FileObjectStore } from "./adapters/file-object-store.js";
import { LocalCertificateImporter } from "./adapters/local-certificate-importer.js";
import { LOCAL_EVENTS_FILE, LocalEventPublisher } from "./adapters/local-event-publisher.js";
import { LOCAL_IOT_PROVISIONING_ROLE_ARN, LocalIotRegistry } from "./adapters/local-iot-registry.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import type { UndeliveredEventsReporter } from "./adapters/undelivered-events.js";
import { type CaKeyCustodies, type CaKeyCustody, caKeyCustodies } from "./core/ca-key-custody.js";
import { CA_KEY_STORAGES, type CaKeyStorage } from "./core/ca-key-storage.js";
import { CertificateRepository } from "./core/certificate-repository.js";
import { ConfigurationError } from "./core/errors.js";
import { parseIotApiRates } from "./core/iot/iot-call-pacer.js";
import { IotRegistrationRecords } from "./core/iot/iot-registration-records.js";
import type { IotContext } from "./core/iot/register-device-with-iot.js";
import type { IssuanceContext } from "./core/issuance/issued-certificate.js";
import { KeyPool, MAX_KEY_POOL_SIZE } from "./core/key-pool.js";
import { DEFAULT_EXPIRY_WARNING_DAYS, MAX_EXPIRY_WARNING_DAYS } from "./core/lifecycle/expiry-warning-days.js";
import { CA_NAME_PATTERN } from "./core/names.js";
import type { CertificateImporter, EventPublisher, IotRegistry, ObjectStore } from "./core/ports.js";
import { logError, logWarn } from "./http/log.js";
import { processSingleton, removeProcessSingleton } from "./process-singleton.js";

export type Configuration =
  | {
      storage: "s3";
      bucket: string;
      /** `ENDPOINT_URL`, passed to the S3 and ACM clients; the SDK reads its own endpoint settings itself. */
      endpoint?: string | undefined;
      /** The custom S3 endpoint in effect, if any (`ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`). */
      s3Endpoint?: string | undefined;
    }
  | { storage: "local"; directory: string };

/** Default directory of the local store. */
export const DEFAULT_LOCAL_STORE_DIR = ".local-store";

/** Reads the configuration from environment variables, once. */
export function readConfiguration(env: NodeJS.ProcessEnv = process.env): Configuration {
  const bucket = env.CERTIFICATE_BUCKET_NAME?.trim();
  if (!bucket) return { storage: "local", directory: env.LOCAL_STORE_DIR?.trim() || DEFAULT_LOCAL_STORE_DIR };
  const endpoint = env.ENDPOINT_URL?.trim() || undefined;
  // The SDK skips its configured endpoints when told to; then only ours counts.
  const sdkEndpoints = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() !== "true";
  const s3Endpoint =
    endpoint ?? ((sdkEndpoints && (env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim())) || undefined);
  return { storage: "s3", bucket, endpoint, s3Endpoint };
}

/** One line that says where certificates go, for start-up logs. */
export function describeConfiguration(config: Configuration): string {
  return config.storage === "s3"
    ? `S3 bucket '${config.bucket}'${config.s3Endpoint ? ` at ${config.s3Endpoint}` : ""}, server certificates imported into ACM`
    : `local store '${config.directory}' (S3 and ACM stand-ins; no AWS account used)`;
}

let configuration: Configuration | undefined;
let objectStore: ObjectStore | undefined;
let repository: CertificateRepository | undefined;
let importer: CertificateImporter | undefined;
/** `null`: decided, and there is none (no bus configured). */
let events: EventPublisher | null | undefined;
let iot: IotRegistry | undefined;

function currentConfiguration(): Configuration {
  configuration ??= readConfiguration();
  return configuration;
}

/**
 * Timeouts of every request the S3 and ACM clients send, so that a call's
 * attempts end within the functions' 30 s (template.yaml Globals Timeout):
 * at most 2 s to connect (one lost SYN is resent after 1 s) and 5 s for a
 * whole attempt until the response headers (an S3 PUT or GET of a few KB
 * answers in tens of ms; ACM imports in well under a second), then at most
 * 5 s of silence while a body streams in. With the SDK's default 3 attempts
 * (standard mode): 3 × 5 s plus backoff (at most 0.05 + 0.1 s, or 1 + 2 s
 * when throttled) ≤ 18 s, leaving 12 s of the 30 for the rest of the
 * invocation; ≤ 28 s in the worst case of a service asking to wait with
 * Retry-After (the SDK waits at most 5 s more per retry). A larger
 * `AWS_MAX_ATTEMPTS` needs a longer function timeout.
 */
export const AWS_REQUEST_TIMEOUTS = {
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  // Without it the SDK only logs a warning when requestTimeout passes.
  throwOnRequestTimeout: true,
  socketTimeout: 5_000,
} as const;

/** What the S3 and ACM clients are made with: our endpoint, path style, timeouts; the rest is the SDK's. */
function awsClientSettings(config: Extract<Configuration, { storage: "s3" }>) {
  return {
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    requestHandler: { ...AWS_REQUEST_TIMEOUTS },
  };
}

let s3Client: S3Client | undefined;

/** The execution environment's one S3 client, made at its first use. */
function s3ClientFor(config: Extract<Configuration, { storage: "s3" }>): S3Client {
  // Path-style on a custom endpoint: moto_server and other local S3 servers have no per-bucket host names.
  s3Client ??= new S3Client({ ...awsClientSettings(config), forcePathStyle: config.s3Endpoint !== undefined });
  return s3Client;
}

/**
 * Checks, in the S3 configuration, that the bucket is there and usable:
 * throws a ConfigurationError that says what to fix (the command that
 * creates a missing bucket) otherwise. The local store needs no check.
 */
export async function checkConfiguredStorage(): Promise<void> {
  const store = configuredObjectStore();
  if (store instanceof S3ObjectStore) await store.checkBucket();
}

/** The configured object store (S3 or the local directory). */
export function configuredObjectStore(): ObjectStore {
  if (!objectStore) {
    const config = currentConfiguration();
    objectStore =
      config.storage === "s3"
        ? new S3ObjectStore(s3ClientFor(config), {
            bucket: config.bucket,
            missingBucketHint: `create it with: aws s3 mb s3://${config.bucket}${config.s3Endpoint ? ` --endpoint-url ${config.s3Endpoint}` : ""}`,
          })
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
        ? lazyAcmCertificateImporter(config)
        : new LocalCertificateImporter(configuredObjectStore());
  }
  return importer;
}

/**
 * The ACM importer, loading the ACM client on its first import. Only the
 * server certificate function imports into ACM; through these dynamic
 * imports esbuild leaves `@aws-sdk/client-acm` out of every other function's
 * bundle, and the server function evaluates it only when it first imports.
 */
function lazyAcmCertificateImporter(config: Extract<Configuration, { storage: "s3" }>): CertificateImporter {
  let loading: Promise<CertificateImporter> | undefined;
  const load = async (): Promise<CertificateImporter> => {
    const [{ ACMClient }, { AcmCertificateImporter }] = await Promise.all([
      import("@aws-sdk/client-acm"),
      import("./adapters/acm-certificate-importer.js"),
    ]);
    return new AcmCertificateImporter(new ACMClient(awsClientSettings(config)));
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

/** AWS IoT Core (in the S3 configuration) or its local stand-in under `iot/` in the local store. */
export function iotRegistry(): IotRegistry {
  if (!iot) {
    const config = currentConfiguration();
    iot = config.storage === "s3" ? lazyIotCoreRegistry(config) : new LocalIotRegistry(configuredObjectStore());
  }
  return iot;
}

/**
 * What device issuance, the batch, revocation and the iot-registration route
 * need of AWS IoT Core: the registry, this project's records of it (on the
 * configured store) and the batch's pace (`IOT_API_RATES`). Cheap to make:
 * nothing is loaded or called until a device asks for IoT.
 */
export function deviceIotContext(env: NodeJS.ProcessEnv = process.env): IotContext {
  return {
    registry: iotRegistry(),
    records: new IotRegistrationRecords(configuredObjectStore()),
    rates: parseIotApiRates(env.IOT_API_RATES),
  };
}

/**
 * The IoT Core registry, loading `@aws-sdk/client-iot` at its first call:
 * through these dynamic imports esbuild leaves the IoT client out of every
 * function that never calls IoT, and the ones that do evaluate it only then.
 */
function lazyIotCoreRegistry(config: Extract<Configuration, { storage: "s3" }>): IotRegistry {
  let loading: Promise<IotRegistry> | undefined;
  const registry = () => {
    loading ??= (async () => {
      const [{ IoTClient }, { IotCoreRegistry }] = await Promise.all([
        import("@aws-sdk/client-iot"),
        import("./adapters/iot-core-registry.js"),
      ]);
      // As the other clients: our endpoint and timeouts; region, credentials and retries are the SDK's, in its
      // `adaptive` mode unless AWS_RETRY_MODE says otherwise: IoT's control-plane rates are per account and Region,
      // shared with every other caller, so after a throttle the client also slows its own sending (as KMS's does).
      const retryMode = process.env.AWS_RETRY_MODE?.trim() || "adaptive";
      return new IotCoreRegistry(new IoTClient({ ...awsClientSettings(config), retryMode }));
    })().catch((error: unknown) => {
      loading = undefined; // a failed load is retried by the next call
      throw error;
    });
    return loading;
  };
  return {
    dataEndpoint: async () => (await registry()).dataEndpoint(),
    registrationCode: async () => (await registry()).registrationCode(),
    registerCaCertificate: async (request) => (await registry()).registerCaCertificate(request),
    describeCaCertificate: async (certificateId) => (await registry()).describeCaCertificate(certificateId),
    registerCertificate: async (request) => (await registry()).registerCertificate(request),
    updateCertificateStatus: async (id, status) => (await registry()).updateCertificateStatus(id, status),
    ensureThing: async (thingName) => (await registry()).ensureThing(thingName),
    attachThingPrincipal: async (thingName, arn) => (await registry()).attachThingPrincipal(thingName, arn),
    attachPolicy: async (policyName, arn) => (await registry()).attachPolicy(policyName, arn),
  };
}

/**
 * Where certificate events go: EventBridge (`EVENT_BUS_NAME`, with a bucket),
 * `events.jsonl` in the local store (without a bucket), or nowhere
 * (undefined: a bucket and no bus).
 */
export function eventPublisher(): EventPublisher | undefined {
  if (events === undefined) {
    const config = currentConfiguration();
    const busName = process.env.EVENT_BUS_NAME?.trim();
    events =
      config.storage === "local"
        ? new LocalEventPublisher(join(config.directory, LOCAL_EVENTS_FILE), { onUndelivered: logUndelivered })
        : busName
          ? lazyEventBridgePublisher(busName, config)
          : null;
  }
  return events ?? undefined;
}

/** Undelivered events become one ERROR log line naming the serial numbers (never the event details). */
const logUndelivered: UndeliveredEventsReporter = ({ events: undelivered, error }) => {
  logError("certificate events not delivered", error, {
    detail_types: [...new Set(undelivered.map((event) => event.detailType))],
    serial_numbers: undelivered.flatMap((event) => event.serialNumbers),
  });
};

/**
 * The EventBridge publisher, with its SDK client created at the first
 * publish (once per execution environment), so that a function's start-up
 * does not load the client before it has something to say.
 */
function lazyEventBridgePublisher(
  eventBusName: string,
  config: Extract<Configuration, { storage: "s3" }>,
): EventPublisher {
  let loading: Promise<EventPublisher> | undefined;
  const load = async (): Promise<EventPublisher> => {
    const [{ EventBridgeClient }, { EventBridgeEventPublisher }] = await Promise.all([
      import("@aws-sdk/client-eventbridge"),
      import("./adapters/eventbridge-event-publisher.js"),
    ]);
    // As the S3 and ACM clients: our endpoint and timeouts; region, credentials and AWS_MAX_ATTEMPTS are the SDK's.
    const client = new EventBridgeClient(awsClientSettings(config));
    return new EventBridgeEventPublisher(client, { eventBusName, onUndelivered: logUndelivered });
  };
  return {
    async publish(batch) {
      loading ??= load().catch((error: unknown) => {
        loading = undefined; // a failed load is retried by the next publish
        throw error;
      });
      try {
        await (await loading).publish(batch);
      } catch (error) {
        logUndelivered({ events: batch, error });
      }
    },
  };
}

/** Reads `EXPIRY_WARNING_DAYS` ("30,7,1" by default); an Error naming the variable when it is not a list of days. */
export function expiryWarningDays(env: NodeJS.ProcessEnv = process.env): number[] {
  const value = env.EXPIRY_WARNING_DAYS?.trim();
  if (!value) return [...DEFAULT_EXPIRY_WARNING_DAYS];
  const days = value.split(",").map((part) => part.trim());
  if (!days.every((day) => /^\d{1,3}$/.test(day) && Number(day) >= 1 && Number(day) <= MAX_EXPIRY_WARNING_DAYS)) {
    throw new Error(
      `EXPIRY_WARNING_DAYS must be comma-separated whole numbers of days from 1 to ${MAX_EXPIRY_WARNING_DAYS}, e.g. 30,7,1; got '${value}'`,
    );
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

/**
 * Reads `CERTIFICATE_PROVIDER_ISSUER`: the name of the device intermediate
 * that signs for AWS IoT Core's certificate provider. A ConfigurationError
 * naming the variable when it is unset or not a CA name: the provider cannot
 * sign until the deployment says with which CA.
 */
export function certificateProviderIssuer(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.CERTIFICATE_PROVIDER_ISSUER?.trim() ?? "";
  if (!CA_NAME_PATTERN.test(value)) {
    throw new ConfigurationError(
      value === ""
        ? "CERTIFICATE_PROVIDER_ISSUER is not set: deploy with --parameter-overrides IotCertificateProviderIssuer=<device intermediate>"
        : `CERTIFICATE_PROVIDER_ISSUER must be an intermediate CA's name (lowercase letters, digits and '-'); got '${value}'`,
    );
  }
  return value;
}

/** Default of `STACK_NAME` (the local server's KMS tag value and alias prefix). */
export const DEFAULT_STACK_NAME = "iot-certificates-local";

/** Reads `DEFAULT_CA_KEY_STORAGE`: `s3` when unset; an Error naming the variable when it is neither s3 nor kms. */
export function defaultCaKeyStorage(env: NodeJS.ProcessEnv = process.env): CaKeyStorage {
  const value = env.DEFAULT_CA_KEY_STORAGE?.trim() || "s3";
  if (!(CA_KEY_STORAGES as readonly string[]).includes(value)) {
    throw new Error(`DEFAULT_CA_KEY_STORAGE must be one of ${CA_KEY_STORAGES.join(", ")}; got '${value}'`);
  }
  return value as CaKeyStorage;
}

/** What a `kms` request is told when this deployment has no KMS. */
export const KMS_NEEDS_AWS =
  "key_storage 'kms' needs AWS: set CERTIFICATE_BUCKET_NAME (and AWS credentials and region) so the CA key is created in AWS KMS; the local store keeps CA keys as files only (use key_storage 's3')";

let caKeys: CaKeyCustodies | undefined;

/**
 * The CA key custodies of this deployment: the software custody on the
 * certificate repository, and AWS KMS in the S3 configuration (its client
 * made once per execution environment, at its first use).
 */
export function caKeyCustodiesOfDeployment(env: NodeJS.ProcessEnv = process.env): CaKeyCustodies {
  if (!caKeys) {
    const config = currentConfiguration();
    caKeys = caKeyCustodies({
      software: lazyCaKeyCustody("s3", async () => {
        const { SoftwareCaKeyCustody } = await import("./core/software-ca-key-custody.js");
        return new SoftwareCaKeyCustody(certificateRepository());
      }),
      kms:
        config.storage === "s3"
          ? lazyKmsCaKeyCustody(
              config,
              env.STACK_NAME?.trim() || DEFAULT_STACK_NAME,
              env.AWS_RETRY_MODE?.trim() || undefined,
            )
          : undefined,
      defaultStorage: defaultCaKeyStorage(env),
      unavailable: { kms: KMS_NEEDS_AWS },
    });
  }
  return caKeys;
}

/** The KMS custody, loading `@aws-sdk/client-kms` at its first use (functions that never sign never load it). */
function lazyKmsCaKeyCustody(
  config: Extract<Configuration, { storage: "s3" }>,
  stackName: string,
  retryModeOverride: string | undefined,
): CaKeyCustody {
  return lazyCaKeyCustody("kms", async () => {
    const [{ KMSClient }, { KmsCaKeyCustody }] = await Promise.all([
      import("@aws-sdk/client-kms"),
      import("./adapters/kms-ca-key-custody.js"),
    ]);
    // Adaptive retries: on throttling the SDK also slows this client's own sending (a token bucket that follows
    // KMS's answers), so a batch's concurrent signatures settle within the account's Sign quota. AWS_RETRY_MODE wins.
    const retryMode = retryModeOverride ?? "adaptive";
    return new KmsCaKeyCustody(new KMSClient({ ...awsClientSettings(config), retryMode }), {
      stackName,
      warn: logWarn,
    });
  });
}

/**
 * A custody made at its first use. Through these dynamic imports esbuild
 * leaves signing code (and the KMS client) out of the bundles of functions
 * that never ask for a custody (list, get, OpenAPI).
 */
function lazyCaKeyCustody(storage: CaKeyStorage, load: () => Promise<CaKeyCustody>): CaKeyCustody {
  let loading: Promise<CaKeyCustody> | undefined;
  const custody = () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined; // a failed load is retried by the next use
      throw error;
    });
    return loading;
  };
  return {
    storage,
    createKey: async (params) => (await custody()).createKey(params),
    signerFor: async (record) => (await custody()).signerFor(record),
  };
}

/** Settings of issuance that come from the environment, and where its events go. */
export function issuanceContext(env: NodeJS.ProcessEnv = process.env): IssuanceContext {
  const publicBaseUrl = env.PUBLIC_BASE_URL?.trim();
  const keyPairs = keyPool(env);
  const publisher = eventPublisher();
  return {
    caKeys: caKeyCustodiesOfDeployment(env),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(keyPairs ? { keyPairs } : {}),
    ...(publisher ? { events: publisher } : {}),
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
 * `certificateImporter()` returns `services.importer`, `eventPublisher()`
 * `services.events` and `iotRegistry()` `services.iot`. A store, importer or IoT registry not given is created from the
 * environment at its next use, as usual (the local importer then stands on the
 * given store); events not given go nowhere. Services created before the call are dropped.
 */
export function useServicesForTesting(services: {
  objectStore?: ObjectStore;
  importer?: CertificateImporter;
  events?: EventPublisher;
  iot?: IotRegistry;
}): void {
  objectStore = services.objectStore;
  iot = services.iot;
  repository = undefined;
  importer = services.importer;
  // Events are never made from the environment here: a test's events go where it says, or nowhere.
  events = services.events ?? null;
  caKeys = undefined;
}

/** Forgets every created service, so tests can change the environment between cases. */
export function resetServicesForTesting(): void {
  removeProcessSingleton<KeyPool>(KEY_POOL)?.stop();
  configuration = undefined;
  objectStore = undefined;
  repository = undefined;
  importer = undefined;
  events = undefined;
  iot = undefined;
  caKeys = undefined;
  s3Client?.destroy();
  s3Client = undefined;
}

/**
 * The role AWS IoT Core assumes for just-in-time provisioning when a request
 * names none: `IOT_PROVISIONING_ROLE_ARN` (the template's
 * `IotProvisioningRole`); on the local store, where IoT's stand-in assumes no
 * role, a placeholder so the local walk runs as it would in AWS. Undefined in
 * the S3 configuration without the variable (a request must then name one).
 */
export function iotProvisioningRoleArn(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.IOT_PROVISIONING_ROLE_ARN?.trim();
  if (configured) return configured;
  return readConfiguration(env).storage === "local" ? LOCAL_IOT_PROVISIONING_ROLE_ARN : undefined;
}
