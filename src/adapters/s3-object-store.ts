/**
 * ObjectStore on Amazon S3 (or any S3 protocol server) through
 * `@aws-sdk/client-s3`. "Never overwrite" is an S3 conditional write
 * (`If-None-Match: *`), so two concurrent creations of one key cannot both
 * succeed. Signing, retries (standard mode), region, credentials and
 * endpoints are the SDK's, configured where the client is made
 * (src/composition-root.ts).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ConfigurationError, DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";

/** Settings of an S3ObjectStore besides its client. */
export interface S3ObjectStoreSettings {
  /** The bucket that holds the objects. */
  bucket: string;
  /**
   * Sends of one conditional write in all, when S3 answers
   * 409 ConditionalRequestConflict (another conditional write to the key was
   * in flight). Default 3.
   */
  conflictAttempts?: number | undefined;
  /**
   * Delay before re-sending after a 409, for the n-th re-send (1, 2, …).
   * Default: full jitter, random up to 100 ms × 2^(n-1).
   */
  conflictDelayMs?: ((resend: number) => number) | undefined;
  /** What a missing bucket's error tells the reader to do, e.g. the `aws s3 mb` command. Default: none. */
  missingBucketHint?: string | undefined;
}

/** Most keys ListObjectsV2 returns per request. */
const MAX_KEYS_PER_PAGE = 1000;

/** Keys a listing returns when the caller names no limit (one page), as the local store does. */
const DEFAULT_LIST_LIMIT = 1000;

const DEFAULT_CONFLICT_ATTEMPTS = 3;

export class S3ObjectStore implements ObjectStore {
  private readonly bucket: string;
  private readonly conflictAttempts: number;
  private readonly conflictDelayMs: (resend: number) => number;
  private readonly missingBucketHint: string | undefined;

  constructor(
    private readonly client: S3Client,
    settings: S3ObjectStoreSettings,
  ) {
    this.bucket = settings.bucket;
    this.conflictAttempts = Math.max(1, settings.conflictAttempts ?? DEFAULT_CONFLICT_ATTEMPTS);
    this.conflictDelayMs = settings.conflictDelayMs ?? ((resend) => Math.random() * 100 * 2 ** (resend - 1));
    this.missingBucketHint = settings.missingBucketHint;
  }

  /**
   * Whether the bucket can be used (HeadBucket): resolves when it can; a
   * missing bucket, missing credentials or region throw a ConfigurationError
   * saying what to fix, anything else a DependencyError. The local server
   * calls it before it starts listening.
   */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // HEAD has no body, so a missing bucket is a plain 404 here (NotFound), not NoSuchBucket.
      if (metadataOf(error)?.httpStatusCode === 404) throw this.missingBucket("HeadBucket", error);
      throw this.failure("HeadBucket", "(bucket)", error);
    }
  }

  async putIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    for (let sent = 1; ; sent++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            // Stated, not measured by the SDK: it sends no length for an empty body (an inventory entry)
            // and then warns on stderr about streams of unknown length.
            ContentLength: Buffer.byteLength(body, "utf8"),
            ContentType: contentType,
            IfNoneMatch: "*",
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalRequestConflict(error) && sent < this.conflictAttempts) {
          // AWS: a 409 on a conditional write means a concurrent one was in flight; retry it.
          await delay(this.conflictDelayMs(sent));
          continue;
        }
        if (!isPreconditionFailed(error)) throw this.failure("PutObject", key, error);
        // 412: the key exists. If this call may have written it itself (a retried attempt whose
        // first answer was lost, or a send after a 409), it is ours when it holds our body.
        const mayHaveWritten = sent > 1 || (metadataOf(error)?.attempts ?? 1) > 1;
        return mayHaveWritten && (await this.get(key)) === body;
      }
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
      // Only a missing key means "no object": a missing bucket (NoSuchBucket) is a broken dependency.
      if (nameOf(error) === "NoSuchKey") return undefined;
      throw this.failure("GetObject", key, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.failure("DeleteObject", key, error);
    }
  }

  /**
   * One page of at most 1,000 keys per request; a `limit` above that is
   * filled page by page with S3's continuation token (the store may still
   * return fewer, as the port allows, when S3 ends a page early).
   */
  async list(
    prefix: string,
    options: { startAfter?: string | undefined; limit?: number | undefined } = {},
  ): Promise<ObjectListing> {
    const limit = Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT);
    const keys: string[] = [];
    let continuationToken: string | undefined;
    for (;;) {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: Math.min(limit - keys.length, MAX_KEYS_PER_PAGE),
            // StartAfter counts on the first request only; the token carries the position after it.
            ...(continuationToken === undefined
              ? { StartAfter: options.startAfter }
              : { ContinuationToken: continuationToken }),
          }),
        );
      } catch (error) {
        throw this.failure("ListObjectsV2", prefix, error);
      }
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      const isTruncated = page.IsTruncated === true;
      continuationToken = page.NextContinuationToken;
      if (!isTruncated || keys.length >= limit || continuationToken === undefined) {
        return { keys: keys.slice(0, limit), isTruncated: isTruncated || keys.length > limit };
      }
    }
  }

  /**
   * The project's error for a failed call: operation, key, bucket, HTTP status
   * and S3 error code (the SDK error, kept as `cause`, says the rest). Never
   * a body: a PUT may carry a private key.
   */
  private failure(operation: string, key: string, error: unknown): DependencyError | ConfigurationError {
    const misconfigured = this.configurationProblem(operation, error);
    if (misconfigured) return misconfigured;
    const status = metadataOf(error)?.httpStatusCode;
    const answer =
      status === undefined
        ? `no response (${networkCodeOf(error) ?? nameOf(error) ?? "unknown error"})`
        : `${status} ${nameOf(error) ?? ""}`.trimEnd();
    return new DependencyError(`S3 ${operation} ${key} in bucket '${this.bucket}' failed: ${answer}`, {
      cause: error,
    });
  }

  /** A configuration error for what no retry fixes (missing bucket, credentials, region); undefined otherwise. */
  private configurationProblem(operation: string, error: unknown): ConfigurationError | undefined {
    const name = nameOf(error);
    if (name === "NoSuchBucket") return this.missingBucket(operation, error);
    if (name !== undefined && CREDENTIAL_ERRORS.has(name)) {
      return new ConfigurationError(
        `S3 ${operation} in bucket '${this.bucket}' failed: no usable AWS credentials (${name}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
        { cause: error },
      );
    }
    if (error instanceof Error && /region is missing/i.test(error.message)) {
      return new ConfigurationError(`S3 ${operation} failed: no AWS region is configured; set AWS_REGION`, {
        cause: error,
      });
    }
    // An endpoint host that does not resolve: an unknown region (s3.<region>.amazonaws.com) or a mistyped endpoint URL.
    if (networkCodeOf(error) === "ENOTFOUND") {
      return new ConfigurationError(
        `S3 ${operation} failed: the S3 endpoint's host name does not resolve; check AWS_REGION and the endpoint URL (AWS_ENDPOINT_URL, ENDPOINT_URL)`,
        { cause: error },
      );
    }
    return undefined;
  }

  private missingBucket(operation: string, error: unknown): ConfigurationError {
    return new ConfigurationError(
      `S3 ${operation} failed: bucket '${this.bucket}' does not exist${this.missingBucketHint ? `; ${this.missingBucketHint}` : ""}`,
      { cause: error },
    );
  }
}

/** What makes a failed call a configuration problem rather than a passing one, by the SDK's error. */
const CREDENTIAL_ERRORS = new Set(["CredentialsProviderError", "InvalidAccessKeyId", "SignatureDoesNotMatch"]);

interface ErrorMetadata {
  httpStatusCode?: number;
  attempts?: number;
}

function metadataOf(error: unknown): ErrorMetadata | undefined {
  return (error as { $metadata?: ErrorMetadata } | undefined)?.$metadata;
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** `ECONNREFUSED`, `ETIMEDOUT`, …: what a failure without an HTTP response says about the network. */
function networkCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function isPreconditionFailed(error: unknown): boolean {
  return metadataOf(error)?.httpStatusCode === 412 && nameOf(error) === "PreconditionFailed";
}

function isConditionalRequestConflict(error: unknown): boolean {
  return metadataOf(error)?.httpStatusCode === 409 && nameOf(error) === "ConditionalRequestConflict";
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
