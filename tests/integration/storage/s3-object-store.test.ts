/**
 * S3ObjectStore against a real S3 protocol server (moto_server): create-only
 * writes via `If-None-Match: *` (412 → false), missing keys, and a race of
 * concurrent writers on one key that exactly one wins. Last, with moto
 * checking every signature (botocore's SigV4): keys and query values that
 * trip encoders are accepted, a wrong secret is refused.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore, S3RequestError } from "../../../src/adapters/s3-object-store.js";
import { DependencyError } from "../../../src/core/errors.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";

const BUCKET = "object-store-test";

let moto: MotoServer;
let store: S3ObjectStore;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  store = new S3ObjectStore({ bucket: BUCKET, endpoint: moto.endpoint, env: moto.env });
});

afterAll(async () => {
  await moto?.stop();
});

describe("S3ObjectStore on moto_server", () => {
  it("creates an object once: true, then false (412) with the first body kept", async () => {
    expect(await store.putIfAbsent("a/once.pem", "first\n", "application/x-pem-file")).toBe(true);
    expect(await store.putIfAbsent("a/once.pem", "second\n", "application/x-pem-file")).toBe(false);
    expect(await store.get("a/once.pem")).toBe("first\n");
    const head = await moto.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "a/once.pem" }));
    expect(head.ContentType).toBe("application/x-pem-file");
  });

  it("answers undefined for a missing key", async () => {
    expect(await store.get("no/such/key.json")).toBeUndefined();
  });

  it("round-trips UTF-8 bodies byte for byte", async () => {
    const body = '{\n  "organization": "Ångström Ltd ©"\n}\n';
    expect(await store.putIfAbsent("a/utf8.json", body, "application/json")).toBe(true);
    expect(await store.get("a/utf8.json")).toBe(body);
    const raw = await moto.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "a/utf8.json" }));
    expect(
      Buffer.from(await (raw.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))).equals(
        Buffer.from(body),
      ),
    ).toBe(true);
  });

  it("deletes an object, after which the key can be created again", async () => {
    await store.putIfAbsent("a/deleted", "x", "text/plain");
    await store.delete("a/deleted");
    expect(await store.get("a/deleted")).toBeUndefined();
    expect(await store.putIfAbsent("a/deleted", "y", "text/plain")).toBe(true);
    await store.delete("a/never-existed");
  });

  it("lets exactly one of many concurrent writers of one key win, and keeps the winner's body", async () => {
    const writers = Array.from({ length: 20 }, (_, index) => `writer ${index}\n`);
    const results = await Promise.all(
      writers.map((body) => store.putIfAbsent("race/ca.json", body, "application/json")),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = writers[results.indexOf(true)];
    expect(await store.get("race/ca.json")).toBe(winner);
  });

  it("lists keys under a prefix in order, after a cursor, page by page", async () => {
    for (const key of ["list/c", "list/a", "list/b", "listed-not/x"]) await store.putIfAbsent(key, key, "text/plain");
    expect(await store.list("list/")).toEqual({ keys: ["list/a", "list/b", "list/c"], isTruncated: false });
    expect(await store.list("list/", { limit: 2 })).toEqual({ keys: ["list/a", "list/b"], isTruncated: true });
    expect(await store.list("list/", { startAfter: "list/b" })).toEqual({ keys: ["list/c"], isTruncated: false });
  });

  it("reports an unreachable S3 as a DependencyError (503), not as a missing object", async () => {
    const unreachable = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: "http://127.0.0.1:9",
      env: moto.env,
      transport: { maxAttempts: 1 },
    });
    await expect(unreachable.get("a/once.pem")).rejects.toBeInstanceOf(DependencyError);
    await expect(unreachable.putIfAbsent("a/x", "x", "text/plain")).rejects.toBeInstanceOf(DependencyError);
  });
});

// Last: once moto checks signatures, the dummy-credential clients above stop working.
describe("S3ObjectStore on moto_server checking every signature", () => {
  // Keys and query values moto's verifier accepts from the SDK's own S3Client.
  // It refuses the SDK's signatures too for '+', '=', '(', '*', '&', '%' and
  // non-ASCII in keys, and '/' in query values (it re-encodes them its own
  // way): those are covered by the verdict comparison below, and byte for
  // byte by tests/unit/adapters/aws/signature-v4.test.ts.
  const acceptedKeys = [
    "signed-a key with spaces.pem",
    "signed-tilde~.json",
    "signed-query?and#hash.pem",
    "signed-x.key",
  ];
  let signed: S3ObjectStore;
  let sdk: S3Client;
  let credentials: { accessKeyId: string; secretAccessKey: string };

  beforeAll(async () => {
    credentials = await moto.requireSignatures();
    signed = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: moto.endpoint,
      env: {
        ...moto.env,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    });
    sdk = new S3Client({ endpoint: moto.endpoint, region: moto.env.AWS_REGION, forcePathStyle: true, credentials });
  });

  afterAll(() => sdk?.destroy());

  it("signs put, get, list with prefix and start-after, and delete as moto's botocore verifier expects", async () => {
    for (const key of acceptedKeys) expect(await signed.putIfAbsent(key, `body of ${key}`, "text/plain")).toBe(true);
    expect(await signed.putIfAbsent(acceptedKeys[0] as string, "again", "text/plain")).toBe(false);
    for (const key of acceptedKeys) expect(await signed.get(key)).toBe(`body of ${key}`);
    expect(await signed.get("signed-missing key~")).toBeUndefined();
    expect((await signed.list("signed-")).keys).toEqual([...acceptedKeys].sort());
    expect(await signed.list("signed-a key", { startAfter: "signed-a" })).toEqual({
      keys: ["signed-a key with spaces.pem"],
      isTruncated: false,
    });
    expect(await signed.list("signed-", { startAfter: "signed-query", limit: 1 })).toEqual({
      keys: ["signed-query?and#hash.pem"],
      isTruncated: true,
    });
    await signed.delete(acceptedKeys[1] as string);
    expect(await signed.get(acceptedKeys[1] as string)).toBeUndefined();
  });

  it("gets moto's verdict the SDK's S3Client gets, for keys and prefixes that trip encoders", async () => {
    const tricky = ["a b", "plus+x", "eq=x", "tilde~x", "p(x)", "star*", "amp&", "uni✓", "q?x", "hash#", "pct%", "s/l"];
    const verdicts: { value: string; operation: string; sdk: string; ours: string }[] = [];
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => "accepted",
        (error: Error) =>
          error instanceof DependencyError ? String((error.cause as S3RequestError)?.code) : error.name,
      );
    for (const value of tricky) {
      verdicts.push({
        value,
        operation: "PutObject",
        sdk: await outcome(sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: `verdict/sdk/${value}`, Body: "x" }))),
        ours: await outcome(signed.putIfAbsent(`verdict/ours/${value}`, "x", "text/plain")),
      });
      verdicts.push({
        value,
        operation: "ListObjectsV2",
        sdk: await outcome(
          sdk.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: value, StartAfter: value, EncodingType: "url" })),
        ),
        ours: await outcome(signed.list(value, { startAfter: value })),
      });
    }
    expect(verdicts.filter(({ sdk: bySdk, ours }) => bySdk !== ours)).toEqual([]);
    expect(verdicts.filter(({ ours }) => ours === "accepted").length).toBeGreaterThanOrEqual(8);
  });

  it("is refused with a wrong secret: a DependencyError whose cause names SignatureDoesNotMatch", async () => {
    const forged = new S3ObjectStore({
      bucket: BUCKET,
      endpoint: moto.endpoint,
      env: { ...moto.env, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: "not-the-secret" },
    });
    const failure = await forged.get("signed-x.key").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as Error).cause).toBeInstanceOf(S3RequestError);
    expect((failure as Error).cause).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });
});
