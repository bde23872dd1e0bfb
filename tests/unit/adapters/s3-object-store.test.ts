/**
 * S3ObjectStore against a recording HTTP server: the exact requests it sends
 * for each ObjectStore operation, what it makes of S3's answers (status codes,
 * XML error codes, list results) and its retries. The S3 protocol itself is
 * proven on moto_server in tests/integration/storage/s3-object-store.test.ts.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore, S3RequestError, s3Addressing } from "../../../src/adapters/s3-object-store.js";
import { DependencyError } from "../../../src/core/errors.js";
import { type RecordingServer, startRecordingServer } from "../../support/recording-http-server.js";
import { everythingSaid, rejection } from "../../support/rejections.js";

const ENV = { AWS_REGION: "eu-north-1", AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" };
const BUCKET = "certs";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";

let server: RecordingServer;
let store: S3ObjectStore;

beforeAll(async () => {
  server = await startRecordingServer();
  store = new S3ObjectStore({
    bucket: BUCKET,
    endpoint: server.endpoint,
    env: ENV,
    transport: { retryDelayMs: () => 0 },
  });
});

afterAll(async () => {
  await server?.close();
});

function s3Error(code: string, message = "message"): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

describe("the requests S3ObjectStore sends", () => {
  it("putIfAbsent: PUT /bucket/key with If-None-Match: *, the content type, the body and its SHA-256, signed", async () => {
    server.script([{ status: 200 }]);
    expect(await store.putIfAbsent("roots/default/certificate.pem", PEM, "application/x-pem-file")).toBe(true);
    const [sent] = server.requests;
    expect(sent).toMatchObject({ method: "PUT", rawPath: "/certs/roots/default/certificate.pem", query: {} });
    expect(sent?.headers).toMatchObject({
      "if-none-match": "*",
      "content-type": "application/x-pem-file",
      "content-length": String(Buffer.byteLength(PEM)),
      "x-amz-content-sha256": sha256(PEM),
      host: new URL(server.endpoint).host,
    });
    expect(sent?.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-north-1\/s3\/aws4_request, SignedHeaders=content-length;content-type;host;if-none-match;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(sent?.body.toString("utf8")).toBe(PEM);
  });

  it("encodes each key segment once: spaces, '+', '=', unicode and '~'", async () => {
    server.script([{ status: 200 }]);
    await store.putIfAbsent("a b/+=/Ångström~.json", "{}", "application/json");
    expect(server.requests[0]?.rawPath).toBe("/certs/a%20b/%2B%3D/%C3%85ngstr%C3%B6m~.json");
  });

  it("sends the session token when the credentials carry one", async () => {
    const withToken = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: server.endpoint,
      env: { ...ENV, AWS_SESSION_TOKEN: "token/+=" },
    });
    server.script([{ status: 200, body: "x" }]);
    await withToken.get("k");
    expect(server.requests[0]?.headers["x-amz-security-token"]).toBe("token/+=");
    expect(server.requests[0]?.headers.authorization).toContain("x-amz-security-token");
  });

  it("get: GET /bucket/key with no body, answering the body as UTF-8", async () => {
    const body = '{"organization":"Ångström Ltd ©"}\n';
    server.script([{ status: 200, headers: { "content-type": "application/json" }, body }]);
    expect(await store.get("records/x.json")).toBe(body);
    const [sent] = server.requests;
    expect(sent).toMatchObject({ method: "GET", rawPath: "/certs/records/x.json", query: {} });
    expect(sent?.headers["x-amz-content-sha256"]).toBe(sha256(""));
    expect(sent?.body.length).toBe(0);
  });

  it("delete: DELETE /bucket/key", async () => {
    server.script([{ status: 204 }]);
    await store.delete("pending/a b.key");
    expect(server.requests).toMatchObject([{ method: "DELETE", rawPath: "/certs/pending/a%20b.key", query: {} }]);
  });

  it("list: GET /bucket?list-type=2 with prefix, start-after, max-keys (at most 1000) and encoding-type=url", async () => {
    const empty = "<ListBucketResult><Name>certs</Name><IsTruncated>false</IsTruncated></ListBucketResult>";
    server.script([], { status: 200, body: empty });
    await store.list("servers/", { startAfter: "servers/a b", limit: 5000 });
    await store.list("roots/");
    expect(server.requests.map(({ method, rawPath, query }) => ({ method, rawPath, query }))).toEqual([
      {
        method: "GET",
        rawPath: "/certs",
        query: {
          "list-type": "2",
          prefix: "servers/",
          "start-after": "servers/a b",
          "max-keys": "1000",
          "encoding-type": "url",
        },
      },
      {
        method: "GET",
        rawPath: "/certs",
        query: { "list-type": "2", prefix: "roots/", "max-keys": "1000", "encoding-type": "url" },
      },
    ]);
  });
});

describe("what S3ObjectStore makes of S3's answers", () => {
  it("putIfAbsent: 412 (key taken) and 409 (concurrent conditional write) are false after exactly one request", async () => {
    server.script([{ status: 412, body: s3Error("PreconditionFailed") }]);
    expect(await store.putIfAbsent("k", "b", "text/plain")).toBe(false);
    expect(server.requests).toHaveLength(1);
    server.script([{ status: 409, body: s3Error("ConditionalRequestConflict") }]);
    expect(await store.putIfAbsent("k", "b", "text/plain")).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("get: 404 NoSuchKey is undefined; 404 NoSuchBucket is a DependencyError", async () => {
    server.script([{ status: 404, body: s3Error("NoSuchKey") }]);
    expect(await store.get("missing")).toBeUndefined();
    server.script([{ status: 404, body: s3Error("NoSuchBucket", "The specified bucket does not exist") }]);
    const error = await rejection(store.get("missing"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe("S3 GetObject missing in bucket 'certs' failed: 404 NoSuchBucket");
    expect(error.cause).toBeInstanceOf(S3RequestError);
    expect(error.cause).toMatchObject({ status: 404, code: "NoSuchBucket", requestId: undefined });
    expect((error.cause as Error).message).toBe("404 NoSuchBucket: The specified bucket does not exist");
  });

  it("get: a 404 without an S3 error body is a DependencyError, not a missing object", async () => {
    server.script([{ status: 404, body: "<html>not found</html>" }]);
    await expect(store.get("k")).rejects.toBeInstanceOf(DependencyError);
  });

  it("403 AccessDenied is final: a DependencyError after one request, carrying status, code and request id", async () => {
    server.script([
      { status: 403, headers: { "x-amz-request-id": "REQ42" }, body: s3Error("AccessDenied", "Access Denied") },
    ]);
    const error = await rejection(store.delete("k"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.cause).toMatchObject({ status: 403, code: "AccessDenied", requestId: "REQ42" });
    expect(server.requests).toHaveLength(1);
  });

  it("list: URL-encoded keys are decoded ('+' is a space, %2B a plus), XML entities too, and IsTruncated read", async () => {
    server.script([
      {
        status: 200,
        body: [
          '<?xml version="1.0" encoding="UTF-8"?>',
          '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
          "<Name>certs</Name><Prefix>list%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>",
          "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>",
          "<Contents><Key>list/a+b%2Bc%3D</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>1</Size></Contents>",
          "<Contents><Key>list/%C3%85ngstr%C3%B6m~</Key><Size>1</Size></Contents>",
          "<Contents><Key>list/x&amp;y%26z</Key><Size>1</Size></Contents>",
          "<NextContinuationToken>abc</NextContinuationToken>",
          "</ListBucketResult>",
        ].join(""),
      },
    ]);
    expect(await store.list("list/", { limit: 3 })).toEqual({
      keys: ["list/a b+c=", "list/Ångström~", "list/x&y&z"],
      isTruncated: true,
    });
  });

  it("list: a response that is not a ListBucketResult is a DependencyError", async () => {
    server.script([{ status: 200, body: "<Other/>" }]);
    await expect(store.list("x/")).rejects.toBeInstanceOf(DependencyError);
    server.script([{ status: 500, body: s3Error("InternalError") }], { status: 500, body: s3Error("InternalError") });
    await expect(store.list("x/")).rejects.toBeInstanceOf(DependencyError);
  });
});

describe("S3ObjectStore's retries", () => {
  it("503 SlowDown, then 200: succeeds with 2 requests seen", async () => {
    server.script([{ status: 503, body: s3Error("SlowDown") }, { status: 200 }]);
    expect(await store.putIfAbsent("k", "b", "text/plain")).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it("a persistent 500 is a DependencyError after exactly 3 requests", async () => {
    server.script([], { status: 500, body: s3Error("InternalError") });
    const error = await rejection(store.get("k"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.cause).toMatchObject({ status: 500, code: "InternalError" });
    expect(server.requests).toHaveLength(3);
  });

  it("AWS_MAX_ATTEMPTS=1 (the AWS tools' setting) makes a persistent 500 fail after one request", async () => {
    const once = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: server.endpoint,
      env: { ...ENV, AWS_MAX_ATTEMPTS: "1" },
      transport: { retryDelayMs: () => 0 },
    });
    server.script([], { status: 500, body: s3Error("InternalError") });
    expect(await rejection(once.get("k"))).toBeInstanceOf(DependencyError);
    expect(server.requests).toHaveLength(1);
  });

  it("a 400 with a throttling code is retried; a dropped connection too", async () => {
    server.script([{ status: 400, body: s3Error("RequestTimeout") }, "drop", { status: 200, body: "ok" }]);
    expect(await store.get("k")).toBe("ok");
    expect(server.requests).toHaveLength(3);
  });

  it("a 400 with any other code is final after one request", async () => {
    server.script([{ status: 400, body: s3Error("InvalidArgument") }], { status: 200 });
    await expect(store.putIfAbsent("k", "b", "text/plain")).rejects.toBeInstanceOf(DependencyError);
    expect(server.requests).toHaveLength(1);
  });

  it("an unreachable S3 is a DependencyError, not a missing object", async () => {
    const unreachable = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: "http://127.0.0.1:9",
      env: ENV,
      transport: { retryDelayMs: () => 0 },
    });
    const error = await rejection(unreachable.get("k"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toMatch(
      /^S3 GetObject k failed: GET 127\.0\.0\.1:9 failed after 3 attempt\(s\): .*ECONNREFUSED/,
    );
  });
});

describe("what S3ObjectStore's errors never carry", () => {
  it("the PUT body, whatever the failure", async () => {
    const secret =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
    const failures: Parameters<RecordingServer["script"]>[1][] = [
      { status: 500, body: s3Error("InternalError") },
      { status: 403, body: s3Error("AccessDenied") },
      { status: 400, body: "garbage" },
      "drop",
    ];
    for (const fallback of failures) {
      server.script([], fallback);
      const error = await rejection(store.putIfAbsent("pending/x.key", secret, "application/x-pem-file"));
      expect(error).toBeInstanceOf(DependencyError);
      const said = everythingSaid(error);
      expect(said).not.toContain("PRIVATE KEY");
      expect(said).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7");
    }
  });
});

describe("S3ObjectStore's endpoint", () => {
  it("is path-style on an explicit endpoint", () => {
    expect(s3Addressing("certs", "eu-north-1", "http://127.0.0.1:5000")).toEqual({
      endpoint: "http://127.0.0.1:5000",
      bucketPath: "/certs",
    });
  });

  it("is virtual-hosted on AWS when the bucket name is one DNS label, path-style otherwise", () => {
    expect(s3Addressing("iot-certs-123", "eu-north-1", undefined)).toEqual({
      endpoint: "https://iot-certs-123.s3.eu-north-1.amazonaws.com",
      bucketPath: "",
    });
    expect(s3Addressing("iot.certs", "eu-north-1", undefined)).toEqual({
      endpoint: "https://s3.eu-north-1.amazonaws.com",
      bucketPath: "/iot.certs",
    });
    expect(s3Addressing("Legacy_Bucket", "us-east-1", undefined).bucketPath).toBe("/Legacy_Bucket");
    expect(s3Addressing("certs", "cn-north-1", undefined).endpoint).toBe(
      "https://certs.s3.cn-north-1.amazonaws.com.cn",
    );
  });

  it("needs a region", () => {
    expect(() => new S3ObjectStore({ bucket: BUCKET, env: {} })).toThrow(/AWS_REGION/);
  });
});
