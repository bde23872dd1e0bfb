/**
 * Makes an aws-sdk-client-mock S3 stub behave like one bucket: GetObject
 * serves stored bodies (404 NoSuchKey otherwise), PutObject honours
 * `IfNoneMatch: "*"` with a 412, DeleteObject removes, ListObjectsV2 lists.
 * Every write is also appended to a shared timeline, so tests can check the
 * order of S3 writes against other services' calls (ACM). Hooks let a test
 * fail or race one specific call.
 */
import {
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { AwsClientStub } from "aws-sdk-client-mock";
import type { StoredObject } from "./memory-object-store.js";

type S3Stub = AwsClientStub<S3Client>;

/** The error S3 answers to a conditional write on an existing key. */
export function preconditionFailed(): S3ServiceException {
  return new S3ServiceException({
    name: "PreconditionFailed",
    $fault: "client",
    $metadata: { httpStatusCode: 412 },
    message: "At least one of the pre-conditions you specified did not hold",
  });
}

/** An S3 server error (HTTP 500). */
export function internalError(): S3ServiceException {
  return new S3ServiceException({
    name: "InternalError",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
    message: "We encountered an internal error. Please try again.",
  });
}

export class MockS3Bucket {
  readonly objects = new Map<string, StoredObject>();
  /** Runs before a PutObject is applied; throw to make it fail. */
  onPut: ((input: PutObjectCommandInput) => void) | undefined;
  /** Runs before a GetObject is answered; throw to make it fail. */
  onGet: ((input: GetObjectCommandInput) => void) | undefined;

  constructor(
    stub: S3Stub,
    readonly name: string,
    /** Shared list of `s3:put <key>`, `s3:delete <key>` (and other services') events, in call order. */
    readonly timeline: string[] = [],
    initial: Iterable<[string, StoredObject]> = [],
  ) {
    for (const [key, value] of initial) this.objects.set(key, { ...value });
    stub.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
      this.assertBucket(input.Bucket);
      this.onGet?.(input);
      const object = this.objects.get(input.Key ?? "");
      if (!object) {
        throw new NoSuchKey({ message: "The specified key does not exist.", $metadata: { httpStatusCode: 404 } });
      }
      return {
        ContentType: object.contentType,
        Body: { transformToString: async () => object.body },
      };
    });
    stub.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      this.assertBucket(input.Bucket);
      const key = input.Key ?? "";
      this.onPut?.(input);
      if (input.IfNoneMatch === "*" && this.objects.has(key)) throw preconditionFailed();
      this.objects.set(key, { body: String(input.Body ?? ""), contentType: input.ContentType ?? "" });
      this.timeline.push(`s3:put ${key}`);
      return { ETag: '"etag"' };
    });
    stub.on(DeleteObjectCommand).callsFake((input: DeleteObjectCommandInput) => {
      this.assertBucket(input.Bucket);
      this.objects.delete(input.Key ?? "");
      this.timeline.push(`s3:delete ${input.Key}`);
      return {};
    });
    stub.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      this.assertBucket(input.Bucket);
      const prefix = input.Prefix ?? "";
      const matching = [...this.objects.keys()]
        .filter((key) => key.startsWith(prefix) && (input.StartAfter === undefined || key > input.StartAfter))
        .sort();
      const limit = input.MaxKeys ?? 1000;
      const keys = matching.slice(0, limit);
      return { Contents: keys.map((Key) => ({ Key })), KeyCount: keys.length, IsTruncated: matching.length > limit };
    });
  }

  body(key: string): string {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object at ${key}`);
    return object.body;
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  snapshot(): Record<string, StoredObject> {
    return Object.fromEntries([...this.objects].map(([key, value]) => [key, { ...value }]));
  }

  private assertBucket(bucket: string | undefined): void {
    if (bucket !== this.name) throw new Error(`expected bucket ${this.name}, got ${bucket}`);
  }
}
