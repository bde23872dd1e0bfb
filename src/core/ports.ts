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

/** How AWS IoT Core checks that a CA is the user's: `SNI_ONLY` (no proof; devices send SNI) or `DEFAULT` (a verification certificate signed by the CA's key, whose CN is the account's registration code). */
export type IotCaMode = "SNI_ONLY" | "DEFAULT";

/** The IoT Core statuses this project sets on certificates. */
export type IotCertificateStatus = "ACTIVE" | "INACTIVE" | "REVOKED";

/** What AWS IoT Core answers about a registered certificate (CA or device). */
export interface IotCertificateRef {
  /** IoT's certificate id (the SHA-256 fingerprint of its DER, in lowercase hex). */
  certificateId: string;
  certificateArn: string;
}

export interface IotCaRegistrationRequest {
  caCertificatePem: string;
  mode: IotCaMode;
  /** Required in `DEFAULT` mode, absent in `SNI_ONLY`. */
  verificationCertificatePem?: string | undefined;
  setAsActive: boolean;
  allowAutoRegistration: boolean;
  /** Just-in-time provisioning: IoT's `registrationConfig` (templateBody is JSON text). */
  registrationConfig?: { templateBody: string; roleArn: string } | undefined;
  tags: Record<string, string>;
}

/** What AWS IoT Core holds of a registered CA certificate (`DescribeCACertificate`). */
export interface IotCaCertificateDescription extends IotCertificateRef {
  /** `ACTIVE`, `INACTIVE` (or `PENDING_TRANSFER`). */
  status: string;
  mode: IotCaMode;
  allowAutoRegistration: boolean;
  /** Just-in-time provisioning, when set (templateBody is JSON text). */
  registrationConfig?: { templateBody?: string | undefined; roleArn?: string | undefined } | undefined;
}

export interface IotDeviceRegistrationRequest {
  certificatePem: string;
  /** The issuing CA's PEM (`RegisterCertificate`); absent: `RegisterCertificateWithoutCA` (devices must send SNI). */
  caCertificatePem?: string | undefined;
  status: IotCertificateStatus;
}

/**
 * AWS IoT Core's certificate registry (or its local stand-in, which records
 * the same calls under `iot/` in the local store). Every method throws an
 * `IotServiceError` (src/core/errors.ts) for an answer of IoT that refuses the
 * call, naming IoT's error code, and a DependencyError for what a retry may fix.
 */
export interface IotRegistry {
  /** The account's `iot:Data-ATS` endpoint host name (`DescribeEndpoint`). */
  dataEndpoint(): Promise<string>;
  /** The account's registration code (`GetRegistrationCode`), the CN of a `DEFAULT` mode verification certificate. */
  registrationCode(): Promise<string>;
  /** `RegisterCACertificate`. */
  registerCaCertificate(request: IotCaRegistrationRequest): Promise<IotCertificateRef & { status: string }>;
  /**
   * `DescribeCACertificate`: the registered CA certificate whose id is
   * `certificateId` (IoT's id: the SHA-256 of its DER), or undefined when
   * none is registered. Lets a registration whose record was lost recover
   * IoT's answer instead of registering twice.
   */
  describeCaCertificate(certificateId: string): Promise<IotCaCertificateDescription | undefined>;
  /** `RegisterCertificate` (with the CA's PEM) or `RegisterCertificateWithoutCA`. */
  registerCertificate(request: IotDeviceRegistrationRequest): Promise<IotCertificateRef>;
  /** `UpdateCertificate`: sets a registered device certificate's status. */
  updateCertificateStatus(certificateId: string, status: IotCertificateStatus): Promise<void>;
  /** `CreateThing` unless a thing of that name exists; resolves to its ARN either way. */
  ensureThing(thingName: string): Promise<{ thingArn: string }>;
  /** `AttachThingPrincipal`: the thing `thingName` is the certificate's. */
  attachThingPrincipal(thingName: string, certificateArn: string): Promise<void>;
  /** `AttachPolicy`: the IoT policy `policyName` applies to the certificate. */
  attachPolicy(policyName: string, certificateArn: string): Promise<void>;
}
