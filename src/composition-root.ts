/**
 * The composition root: the only module that reads the environment and
 * decides which adapters are concrete. Handlers ask it for ready-made
 * services; everything is created once per execution environment (Lambda
 * container or local server process) and reused across invocations.
 *
 * Environment:
 * - `CERTIFICATE_BUCKET_NAME`: when set, certificates go to this S3 bucket and
 *   server certificates are imported into ACM (the Lambda configuration).
 * - `ENDPOINT_URL` (or the SDK's standard `AWS_ENDPOINT_URL`): optional
 *   endpoint for S3 and ACM (e.g. a local S3 protocol server); path-style S3
 *   addressing is used then. The template declares `ENDPOINT_URL` empty so
 *   that `sam local start-api --env-vars env.json` can set it.
 * - `LOCAL_STORE_DIR`: when no bucket is set, the directory that stands in for
 *   S3 and ACM (default `.local-store`).
 * - `PUBLIC_BASE_URL`: optional public URL of the API; certificates then carry
 *   a CRL Distribution Point under it.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { FileObjectStore } from "./adapters/file-object-store.js";
import { LocalCertificateImporter } from "./adapters/local-certificate-importer.js";
import { S3ObjectStore } from "./adapters/s3-object-store.js";
import { CertificateRepository } from "./core/certificate-repository.js";
import type { IssuanceContext } from "./core/issuance/issued-certificate.js";
import type { CertificateImporter, ObjectStore } from "./core/ports.js";

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
        ? new S3ObjectStore(
            new S3Client({ endpoint: config.endpoint, forcePathStyle: config.endpoint !== undefined }),
            config.bucket,
          )
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
      config.storage === "s3" ? lazyAcmCertificateImporter() : new LocalCertificateImporter(configuredObjectStore());
  }
  return importer;
}

/**
 * The ACM importer, loading the ACM client on its first import. Only this
 * function reaches `@aws-sdk/client-acm`, through dynamic imports: esbuild
 * drops it from every bundle whose handler never asks for an importer, so
 * those functions (all but the server one) never load the ACM client, even
 * with the SDK external (an external static import is always kept).
 */
function lazyAcmCertificateImporter(): CertificateImporter {
  let loading: Promise<CertificateImporter> | undefined;
  const load = async (): Promise<CertificateImporter> => {
    const [{ ACMClient }, { AcmCertificateImporter }] = await Promise.all([
      import("@aws-sdk/client-acm"),
      import("./adapters/acm-certificate-importer.js"),
    ]);
    return new AcmCertificateImporter(new ACMClient({}));
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
  return publicBaseUrl ? { publicBaseUrl } : {};
}

/** Forgets every created service, so tests can change the environment between cases. */
export function resetServicesForTesting(): void {
  configuration = undefined;
  objectStore = undefined;
  repository = undefined;
  importer = undefined;
}
