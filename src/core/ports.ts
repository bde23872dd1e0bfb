/**
 * What the core needs from the outside world, as small interfaces. Adapters
 * in `src/adapters` implement them for AWS (S3, ACM, EventBridge) and for
 * local development (a directory, a JSON record of imports, a JSON-lines file).
 */
import type { CertificateEvent } from "./events/certificate-events.js";

/** Text objects under string keys, where nothing is ever overwritten. */
export interface ObjectStore {
  /**
   * Creates the object at `key` unless one exists there. Resolves `true` when
   * written, `false` when the key was taken (nothing written). Atomic: a
   * reader sees the whole body or no object.
   */
  putIfAbsent(key: string, body: string, contentType: string): Promise<boolean>;
  /** The object's body, or `undefined` when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Removes the object; used only to clean up material that lost a race or expired, never a certificate. */
  delete(key: string): Promise<void>;
  /**
   * Keys under `prefix` in ascending (byte) order, after `startAfter` when
   * given, at most `limit` (the store may return fewer). `isTruncated` says
   * whether more keys follow. Keys only: listing never reads bodies.
   */
  list(
    prefix: string,
    options?: { startAfter?: string | undefined; limit?: number | undefined },
  ): Promise<ObjectListing>;
}

export interface ObjectListing {
  keys: string[];
  isTruncated: boolean;
}

export interface CertificateImportRequest {
  certificatePem: string;
  privateKeyPem: string;
  /** Issuer chain, intermediate first, up to the root. */
  certificateChainPem: string;
  /** Tags to attach to the imported certificate (on a first import only: ACM refuses tags on a re-import). */
  tags: Record<string, string>;
  /**
   * Re-import onto this existing certificate ARN (a renewal): whatever uses
   * the ARN (load balancers, custom domains) serves the new certificate
   * without a change on its side. Default: a new ARN.
   */
  certificateArn?: string | undefined;
}

/** Imports a server certificate where load balancers and API Gateway can use it (ACM). */
export interface CertificateImporter {
  importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }>;
}

/**
 * Publishes certificate events (EventBridge, or a local file). `publish`
 * takes any number of events and never rejects: what it cannot deliver
 * after retrying, it logs with the serial numbers concerned, since the
 * certificates are stored by then and the API's answer must not change.
 */
export interface EventPublisher {
  publish(events: CertificateEvent[]): Promise<void>;
}
