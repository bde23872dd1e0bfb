/**
 * ObjectStore on Amazon S3 (or any S3 protocol server). "Never overwrite" is
 * an S3 conditional write (`If-None-Match: *`), so two concurrent creations
 * of one key cannot both succeed.
 *
 * It speaks the S3 REST API itself (signed by `aws/signature-v4.ts`, sent by
 * `aws/aws-http-client.ts`) rather than through `@aws-sdk/client-s3`, whose
 * import alone took 200+ ms of each function's cold start (issue 6).
 */
import { DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";
import { awsCredentials, awsDnsSuffix, awsMaxAttempts, awsRegion } from "./aws/aws-environment.js";
import { AwsHttpClient, type AwsResponse, type AwsServiceOptions } from "./aws/aws-http-client.js";
import { parseListObjectsV2, parseS3Error } from "./aws/s3-xml.js";

export interface S3ObjectStoreOptions extends AwsServiceOptions {
  /** The bucket that holds the objects. */
  bucket: string;
  /**
   * S3 endpoint URL, e.g. `http://127.0.0.1:5000` for a local S3 protocol
   * server; path-style addressing (`<endpoint>/<bucket>/<key>`) is used then.
   * Default: AWS's regional endpoint, virtual-hosted style
   * (`https://<bucket>.s3.<region>.amazonaws.com`) when the bucket name allows.
   */
  endpoint?: string | undefined;
}

/** What an S3 request answered when it failed: status and S3 error code, never the request body. */
export class S3RequestError extends Error {
  override readonly name = "S3RequestError";

  constructor(
    readonly status: number,
    /** S3 error code (`NoSuchBucket`, `AccessDenied`, …) when the response had one. */
    readonly code: string | undefined,
    s3Message: string | undefined,
    /** `x-amz-request-id`, for AWS support. */
    readonly requestId: string | undefined,
  ) {
    super(`${status} ${code ?? "(no error code)"}${s3Message ? `: ${s3Message}` : ""}`);
  }
}

/** Most keys ListObjectsV2 returns per request. */
const MAX_KEYS_PER_LIST = 1000;

export class S3ObjectStore implements ObjectStore {
  private readonly bucket: string;
  private readonly client: AwsHttpClient;
  /** Prefix of every object path: `/<bucket>` with path-style addressing, empty with virtual-hosted. */
  private readonly bucketPath: string;

  /** Throws when no region is configured. */
  constructor(options: S3ObjectStoreOptions) {
    const env = options.env ?? process.env;
    const region = awsRegion(env);
    const { endpoint, bucketPath } = s3Addressing(options.bucket, region, options.endpoint);
    this.bucket = options.bucket;
    this.bucketPath = bucketPath;
    this.client = new AwsHttpClient({
      maxAttempts: awsMaxAttempts(env),
      ...options.transport,
      endpoint,
      region,
      service: "s3",
      credentials: awsCredentials(env),
      errorCodeOf: (response) => parseS3Error(response.body).code,
    });
  }

  async putIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    // A 5xx or lost response can hide a write that succeeded; its retry then
    // answers 412 and the write reports false. The SDK behaves the same.
    const response = await this.send("PutObject", key, {
      method: "PUT",
      path: this.objectPath(key),
      headers: { "content-type": contentType, "if-none-match": "*" },
      body,
    });
    if (response.status === 200) return true;
    // 412: the key exists. 409: a concurrent conditional write to the key is in progress; one of them wins.
    if (response.status === 412 || response.status === 409) return false;
    throw this.failure("PutObject", key, response);
  }

  async get(key: string): Promise<string | undefined> {
    const response = await this.send("GetObject", key, { method: "GET", path: this.objectPath(key) });
    if (response.status === 200) return response.body;
    // Only a missing key means "no object": a missing bucket (NoSuchBucket) is a broken dependency.
    if (response.status === 404 && parseS3Error(response.body).code === "NoSuchKey") return undefined;
    throw this.failure("GetObject", key, response);
  }

  async delete(key: string): Promise<void> {
    const response = await this.send("DeleteObject", key, { method: "DELETE", path: this.objectPath(key) });
    if (response.status !== 204 && response.status !== 200) throw this.failure("DeleteObject", key, response);
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ObjectListing> {
    const query: Record<string, string> = {
      "list-type": "2",
      prefix,
      "max-keys": String(Math.min(options.limit ?? MAX_KEYS_PER_LIST, MAX_KEYS_PER_LIST)),
      // Keys come back URL-encoded: XML 1.0 cannot carry every character a key may hold.
      "encoding-type": "url",
    };
    if (options.startAfter !== undefined) query["start-after"] = options.startAfter;
    const response = await this.send("ListObjectsV2", prefix, { method: "GET", path: this.bucketPath || "/", query });
    if (response.status !== 200) throw this.failure("ListObjectsV2", prefix, response);
    try {
      return parseListObjectsV2(response.body);
    } catch (error) {
      throw new DependencyError(`S3 ListObjectsV2 ${prefix} failed: unreadable response`, { cause: error });
    }
  }

  private objectPath(key: string): string {
    return `${this.bucketPath}/${key}`;
  }

  /** Sends the request; a failure on the way (no connection, timeout, no credentials) becomes a DependencyError. */
  private async send(
    operation: string,
    subject: string,
    request: Parameters<AwsHttpClient["send"]>[0],
  ): Promise<AwsResponse> {
    try {
      return await this.client.send(request);
    } catch (error) {
      throw new DependencyError(`S3 ${operation} ${subject} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private failure(operation: string, subject: string, response: AwsResponse): DependencyError {
    const { code, message } = parseS3Error(response.body);
    const cause = new S3RequestError(response.status, code, message, response.headers["x-amz-request-id"]);
    return new DependencyError(
      `S3 ${operation} ${subject} in bucket '${this.bucket}' failed: ${response.status} ${code ?? ""}`.trimEnd(),
      { cause },
    );
  }
}

/**
 * Where a bucket's objects are: `endpoint` is the service URL, `bucketPath`
 * what precedes `/<key>` in an object's path. Path-style on an explicit
 * endpoint; on AWS, virtual-hosted when the bucket name allows it.
 */
export function s3Addressing(
  bucket: string,
  region: string,
  endpoint: string | undefined,
): { endpoint: string; bucketPath: string } {
  if (endpoint !== undefined) return { endpoint, bucketPath: `/${bucket}` };
  const suffix = awsDnsSuffix(region);
  return isVirtualHostable(bucket)
    ? { endpoint: `https://${bucket}.s3.${region}.${suffix}`, bucketPath: "" }
    : { endpoint: `https://s3.${region}.${suffix}`, bucketPath: `/${bucket}` };
}

/**
 * Whether the bucket can be addressed as `<bucket>.s3.<region>…`: a DNS label
 * without dots (a dotted name would not match S3's wildcard TLS certificate),
 * as the SDK decides.
 */
function isVirtualHostable(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}
