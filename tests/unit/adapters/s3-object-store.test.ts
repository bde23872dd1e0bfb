/**
 * S3ObjectStore in the SDK's own terms (aws-sdk-client-mock): the exact
 * command each ObjectStore operation sends, and what it makes of S3's
 * answers, as the SDK reports them (service exceptions with their HTTP status
 * and attempt count). The protocol itself (signing, XML, conditional writes
 * on a real server) is proven on moto_server in
 * tests/integration/storage/s3-object-store.test.ts.
 */
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { sdkStreamMixin } from "@smithy/core/serde";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../src/adapters/s3-object-store.js";
import { ConfigurationError, DependencyError } from "../../../src/core/errors.js";
import { everythingSaid, rejection } from "../../support/rejections.js";

const BUCKET = "certs";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

const s3 = mockClient(S3Client);
let store: S3ObjectStore;

beforeEach(() => {
  s3.reset();
  store = new S3ObjectStore(new S3Client({ region: "eu-north-1" }), { bucket: BUCKET, conflictDelayMs: () => 0 });
});

/** An S3 error as the SDK throws it: the error code as `name`, the status and attempts in `$metadata`. */
function s3Error(status: number, code: string, attempts = 1): S3ServiceException {
  return new S3ServiceException({
    name: code,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, attempts, requestId: "REQ1" },
    message: `S3 says ${code}`,
  });
}

const preconditionFailed = (attempts = 1) => s3Error(412, "PreconditionFailed", attempts);
const conditionalRequestConflict = () => s3Error(409, "ConditionalRequestConflict");

/** A GetObject answer whose body reads as `text`, as the SDK hands it over. */
function objectBody(text: string) {
  return { Body: sdkStreamMixin(Readable.from([Buffer.from(text, "utf8")])), $metadata: {} };
}

/** The exact inputs of every `command` the client received, in order. */
function inputsOf(command: typeof PutObjectCommand | typeof GetObjectCommand | typeof ListObjectsV2Command) {
  return s3.commandCalls(command as typeof PutObjectCommand).map((call) => call.args[0].input);
}

describe("putIfAbsent", () => {
  it("sends one conditional PutObject (If-None-Match: *) with the content type and body: true when written", async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    expect(await store.putIfAbsent("roots/default/certificate.pem", PEM, "application/x-pem-file")).toBe(true);
    expect(s3).toHaveReceivedCommandExactlyOnceWith(PutObjectCommand, { IfNoneMatch: "*" });
    expect(inputsOf(PutObjectCommand)).toEqual([
      {
        Bucket: BUCKET,
        Key: "roots/default/certificate.pem",
        Body: PEM,
        ContentLength: Buffer.byteLength(PEM),
        ContentType: "application/x-pem-file",
        IfNoneMatch: "*",
      },
    ]);
    expect(s3.calls()).toHaveLength(1);
  });

  it("412 PreconditionFailed on the first attempt: false (the key is taken), nothing read back", async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    expect(await store.putIfAbsent("k", "mine", "text/plain")).toBe(false);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it("states the length of a UTF-8 or empty body in bytes (the SDK sends none for an empty one)", async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.putIfAbsent("inventory/root/x", "", "application/octet-stream");
    await store.putIfAbsent("records/å.json", '{"o":"Ångström ©"}', "application/json");
    expect(inputsOf(PutObjectCommand).map((input) => (input as { ContentLength?: number }).ContentLength)).toEqual([
      0, 21,
    ]);
  });

  it("409 ConditionalRequestConflict is sent again, and the same command then writes: true", async () => {
    s3.on(PutObjectCommand).rejectsOnce(conditionalRequestConflict()).resolves({});
    expect(await store.putIfAbsent("race/ca.json", "mine", "application/json")).toBe(true);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    const [first, second] = inputsOf(PutObjectCommand);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ Key: "race/ca.json", Body: "mine", IfNoneMatch: "*" });
  });

  it("409 then 412: the object is read back and counts as written when it holds this call's body", async () => {
    s3.on(PutObjectCommand).rejectsOnce(conditionalRequestConflict()).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(objectBody("mine"));
    expect(await store.putIfAbsent("race/ca.json", "mine", "application/json")).toBe(true);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(inputsOf(GetObjectCommand)).toEqual([{ Bucket: BUCKET, Key: "race/ca.json" }]);
  });

  it("409 then 412 with another writer's body: false", async () => {
    s3.on(PutObjectCommand).rejectsOnce(conditionalRequestConflict()).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves(objectBody("theirs"));
    expect(await store.putIfAbsent("race/ca.json", "mine", "application/json")).toBe(false);
    expect(s3).toHaveReceivedCommandOnce(GetObjectCommand);
  });

  it("412 after the SDK retried (an earlier attempt's answer lost): read back, true only for this call's body", async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed(2));
    s3.on(GetObjectCommand).resolvesOnce(objectBody("mine")).resolves(objectBody("theirs"));
    expect(await store.putIfAbsent("k", "mine", "text/plain")).toBe(true);
    expect(await store.putIfAbsent("k", "mine", "text/plain")).toBe(false);
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 2);
  });

  it("a 409 on every send: a DependencyError after 3 sends, never 'key taken'", async () => {
    s3.on(PutObjectCommand).rejects(conditionalRequestConflict());
    const error = await rejection(store.putIfAbsent("k", "b", "text/plain"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe("S3 PutObject k in bucket 'certs' failed: 409 ConditionalRequestConflict");
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 3);
  });

  it("any other 409 (e.g. OperationAborted) is a DependencyError after one send", async () => {
    s3.on(PutObjectCommand).rejects(s3Error(409, "OperationAborted"));
    await expect(store.putIfAbsent("k", "b", "text/plain")).rejects.toBeInstanceOf(DependencyError);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });

  it("a failure carries the SDK error as cause, and never the body (a private key)", async () => {
    const secret =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
    const network = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    for (const failure of [s3Error(500, "InternalError", 3), s3Error(403, "AccessDenied"), network]) {
      s3.reset();
      s3.on(PutObjectCommand).rejects(failure);
      const error = await rejection(store.putIfAbsent("pending/x.key", secret, "application/x-pem-file"));
      expect(error).toBeInstanceOf(DependencyError);
      expect(error.cause).toBe(failure);
      const said = everythingSaid(error);
      expect(said).not.toContain("PRIVATE KEY");
      expect(said).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7");
    }
  });
});

describe("get", () => {
  it("sends GetObject for the key and answers the body as UTF-8", async () => {
    const body = '{"organization":"Ångström Ltd ©"}\n';
    s3.on(GetObjectCommand).resolves(objectBody(body));
    expect(await store.get("records/x.json")).toBe(body);
    expect(inputsOf(GetObjectCommand)).toEqual([{ Bucket: BUCKET, Key: "records/x.json" }]);
  });

  it("NoSuchKey is undefined: no object", async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: "no such key" }));
    expect(await store.get("missing")).toBeUndefined();
  });

  it("NoSuchBucket is a ConfigurationError (no retry fixes it) naming the bucket and what to do, with the SDK error as cause", async () => {
    const missingBucket = new NoSuchBucket({
      $metadata: { httpStatusCode: 404 },
      message: "The specified bucket does not exist",
    });
    s3.on(GetObjectCommand).rejects(missingBucket);
    const hinted = new S3ObjectStore(new S3Client({ region: "eu-north-1" }), {
      bucket: BUCKET,
      missingBucketHint: "create it with: aws s3 mb s3://certs",
    });
    const error = await rejection(hinted.get("missing"));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      "S3 GetObject failed: bucket 'certs' does not exist; create it with: aws s3 mb s3://certs",
    );
    expect(error.cause).toBe(missingBucket);
  });

  it.each([
    [
      "no credentials",
      Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
    ],
    ["a refused access key", s3Error(403, "InvalidAccessKeyId"), "no usable AWS credentials (InvalidAccessKeyId)"],
    ["no region", new Error("Region is missing"), "set AWS_REGION"],
    [
      "an endpoint host that does not resolve",
      Object.assign(new Error("getaddrinfo ENOTFOUND s3.xx-nowhere-1.amazonaws.com"), { code: "ENOTFOUND" }),
      "check AWS_REGION",
    ],
  ])("%s is a ConfigurationError saying what to set", async (_what, failure, advice) => {
    s3.on(GetObjectCommand).rejects(failure);
    const error = await rejection(store.get("k"));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(advice);
  });

  it("checkBucket: HeadBucket answering 404 is a missing bucket; 200 passes", async () => {
    s3.on(HeadBucketCommand).rejectsOnce(s3Error(404, "NotFound"));
    const error = await rejection(store.checkBucket());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe("S3 HeadBucket failed: bucket 'certs' does not exist");
    s3.on(HeadBucketCommand).resolvesOnce({});
    await expect(store.checkBucket()).resolves.toBeUndefined();
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: BUCKET });
  });

  it("a 404 that is not NoSuchKey is a DependencyError, not a missing object", async () => {
    s3.on(GetObjectCommand).rejects(s3Error(404, "NotFound"));
    await expect(store.get("k")).rejects.toBeInstanceOf(DependencyError);
  });

  it("a failure without a response names the network error", async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    const error = await rejection(store.get("k"));
    expect(error.message).toBe("S3 GetObject k in bucket 'certs' failed: no response (ECONNREFUSED)");
  });
});

describe("delete", () => {
  it("sends DeleteObject for the key", async () => {
    s3.on(DeleteObjectCommand).resolves({});
    await store.delete("pending/a b.key");
    expect(s3).toHaveReceivedCommandExactlyOnceWith(DeleteObjectCommand, { Bucket: BUCKET, Key: "pending/a b.key" });
  });

  it("403 AccessDenied is a DependencyError", async () => {
    s3.on(DeleteObjectCommand).rejects(s3Error(403, "AccessDenied"));
    const error = await rejection(store.delete("k"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe("S3 DeleteObject k in bucket 'certs' failed: 403 AccessDenied");
  });
});

describe("list", () => {
  const keys = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) => ({ Key: `p/${String(from + index).padStart(5, "0")}` }));

  it("sends one ListObjectsV2 with the prefix, StartAfter and the limit as MaxKeys", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: keys(0, 2), IsTruncated: true, NextContinuationToken: "t1" });
    expect(await store.list("p/", { startAfter: "p/a b", limit: 2 })).toEqual({
      keys: ["p/00000", "p/00001"],
      isTruncated: true,
    });
    expect(inputsOf(ListObjectsV2Command)).toEqual([{ Bucket: BUCKET, Prefix: "p/", StartAfter: "p/a b", MaxKeys: 2 }]);
  });

  it("without a limit: one page of at most 1,000 keys, however many follow", async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: keys(0, 1000), IsTruncated: true, NextContinuationToken: "t1" });
    const listing = await store.list("p/");
    expect(listing.keys).toHaveLength(1000);
    expect(listing.isTruncated).toBe(true);
    expect(inputsOf(ListObjectsV2Command)).toEqual([{ Bucket: BUCKET, Prefix: "p/", MaxKeys: 1000 }]);
  });

  it("a limit above 1,000 is filled page by page with the continuation token, StartAfter on the first page only", async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: keys(0, 1000), IsTruncated: true, NextContinuationToken: "t1" })
      .resolvesOnce({ Contents: keys(1000, 1000), IsTruncated: true, NextContinuationToken: "t2" })
      .resolvesOnce({ Contents: keys(2000, 500), IsTruncated: true, NextContinuationToken: "t3" });
    const listing = await store.list("p/", { startAfter: "p/", limit: 2500 });
    expect(listing.keys).toHaveLength(2500);
    expect(listing.keys.at(-1)).toBe("p/02499");
    expect(listing.isTruncated).toBe(true);
    expect(inputsOf(ListObjectsV2Command)).toEqual([
      { Bucket: BUCKET, Prefix: "p/", StartAfter: "p/", MaxKeys: 1000 },
      { Bucket: BUCKET, Prefix: "p/", ContinuationToken: "t1", MaxKeys: 1000 },
      { Bucket: BUCKET, Prefix: "p/", ContinuationToken: "t2", MaxKeys: 500 },
    ]);
  });

  it("stops paging at the last page: not truncated", async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: keys(0, 1000), IsTruncated: true, NextContinuationToken: "t1" })
      .resolvesOnce({ Contents: keys(1000, 3), IsTruncated: false });
    expect(await store.list("p/", { limit: 5000 })).toMatchObject({ isTruncated: false });
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 2);
  });

  it("an empty prefix answers no keys, not truncated", async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });
    expect(await store.list("none/")).toEqual({ keys: [], isTruncated: false });
  });

  it("NoSuchBucket on a listing is a ConfigurationError too", async () => {
    s3.on(ListObjectsV2Command).rejects(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: "gone" }));
    const error = await rejection(store.list("p/"));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe("S3 ListObjectsV2 failed: bucket 'certs' does not exist");
  });
});
