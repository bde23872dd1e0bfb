/**
 * One set of objects seen two ways: as an ObjectStore (to make real CA and
 * certificate material with the core) and as an S3 bucket behind an
 * aws-sdk-client-mock stub (to serve that material to the handlers), with
 * S3's rules: GetObject 404s a missing key, PutObject with `IfNoneMatch: "*"`
 * 412s an existing one, ListObjectsV2 lists in byte order up to MaxKeys.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3ClientResolvedConfig,
  S3ServiceException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-s3";
import type { AwsStub } from "aws-sdk-client-mock";
import type { ObjectListing, ObjectStore } from "../../../src/core/ports.js";

/** An ObjectStore in memory, with the contract of the S3 and file stores. */
export class InMemoryObjectStore implements ObjectStore {
  constructor(readonly objects = new Map<string, string>()) {}

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(
    prefix: string,
    options: { startAfter?: string | undefined; limit?: number | undefined } = {},
  ): Promise<ObjectListing> {
    const { startAfter, limit = 1000 } = options;
    const matching = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
    return { keys: matching.slice(0, limit), isTruncated: matching.length > limit };
  }
}

function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message,
  });
}

/** Serves `objects` as bucket `bucket` through the S3 stub. `failPut` makes chosen PutObjects fail with a 500. */
export function serveBucket(
  stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>,
  bucket: string,
  objects: Map<string, string>,
  options: { failPut?: (key: string) => boolean } = {},
): void {
  const checkBucket = (name: string | undefined) => {
    if (name !== bucket) throw s3Error("NoSuchBucket", 404, `no bucket ${name}`);
  };
  stub.on(GetObjectCommand).callsFake((input) => {
    checkBucket(input.Bucket);
    const body = objects.get(input.Key ?? "");
    if (body === undefined) {
      throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } });
    }
    return { Body: { transformToString: async () => body } };
  });
  stub.on(PutObjectCommand).callsFake((input) => {
    checkBucket(input.Bucket);
    const key = input.Key ?? "";
    if (options.failPut?.(key)) throw s3Error("InternalError", 500, "We encountered an internal error.");
    if (input.IfNoneMatch === "*" && objects.has(key)) {
      throw s3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold");
    }
    objects.set(key, String(input.Body ?? ""));
    return { ETag: '"etag"' };
  });
  stub.on(DeleteObjectCommand).callsFake((input) => {
    checkBucket(input.Bucket);
    objects.delete(input.Key ?? "");
    return {};
  });
  stub.on(ListObjectsV2Command).callsFake((input) => {
    checkBucket(input.Bucket);
    const prefix = input.Prefix ?? "";
    const matching = [...objects.keys()]
      .filter((key) => key.startsWith(prefix) && (input.StartAfter === undefined || key > input.StartAfter))
      .sort();
    const limit = Math.min(input.MaxKeys ?? 1000, 1000);
    const keys = matching.slice(0, limit);
    return { Contents: keys.map((Key) => ({ Key })), KeyCount: keys.length, IsTruncated: matching.length > limit };
  });
}
