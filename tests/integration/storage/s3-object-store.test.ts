/**
 * S3ObjectStore (on the SDK's S3Client) against a real S3 protocol server
 * (moto_server): create-only writes via `If-None-Match: *` (412 → false),
 * missing keys and buckets, keys that trip encoders, listings paged with
 * continuation tokens, and a race of concurrent writers on one key that
 * exactly one wins. Last, with moto checking every signature (botocore's
 * SigV4): signed requests are accepted, a wrong secret is refused.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../src/adapters/s3-object-store.js";
import { ConfigurationError, DependencyError } from "../../../src/core/errors.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { rejection } from "../../support/rejections.js";

const BUCKET = "object-store-test";

let moto: MotoServer;
let store: S3ObjectStore;
const clients: S3Client[] = [];

/** An S3Client on moto (path-style, as the composition root makes it for a custom endpoint). */
function motoClient(settings: S3ClientConfig = {}): S3Client {
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    ...settings,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  store = new S3ObjectStore(motoClient(), { bucket: BUCKET });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
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

  it("round-trips keys that trip encoders: spaces, '+', '=', '(', '*', '&', '%', '~', '?', '#', unicode", async () => {
    const tricky = ["a b", "plus+x", "eq=x", "p(x)", "star*", "amp&", "pct%25", "tilde~x", "q?x", "hash#", "uni✓Å"];
    for (const name of tricky) {
      expect(await store.putIfAbsent(`tricky/${name}`, `body of ${name}`, "text/plain"), name).toBe(true);
      expect(await store.get(`tricky/${name}`), name).toBe(`body of ${name}`);
    }
    const listed = await store.list("tricky/");
    expect(listed.keys).toEqual(tricky.map((name) => `tricky/${name}`).sort());
    expect((await store.list("tricky/", { startAfter: "tricky/pct%25" })).keys).toEqual(
      tricky
        .map((name) => `tricky/${name}`)
        .filter((key) => key > "tricky/pct%25")
        .sort(),
    );
  });

  it("pages a listing of more than 1,000 keys with S3's continuation token", async () => {
    const keys = Array.from({ length: 1003 }, (_, index) => `paged/${String(index).padStart(4, "0")}`);
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map((key) => store.putIfAbsent(key, "", "text/plain")));
    }
    expect(await store.list("paged/", { limit: 2000 })).toEqual({ keys, isTruncated: false });
    expect(await store.list("paged/", { startAfter: "paged/0001", limit: 1001 })).toEqual({
      keys: keys.slice(2, 1003),
      isTruncated: false,
    });
    expect(await store.list("paged/", { limit: 1002 })).toEqual({ keys: keys.slice(0, 1002), isTruncated: true });
    expect(await store.list("paged/")).toEqual({ keys: keys.slice(0, 1000), isTruncated: true });
  });

  it("reports a missing bucket as a ConfigurationError (HTTP 500, no retry), not as a missing object", async () => {
    const elsewhere = new S3ObjectStore(motoClient(), { bucket: "no-such-bucket-here" });
    const failure = await rejection(elsewhere.get("a/once.pem"));
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(failure.message).toBe("S3 GetObject failed: bucket 'no-such-bucket-here' does not exist");
    expect(failure.cause).toMatchObject({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } });
    await expect(elsewhere.checkBucket()).rejects.toBeInstanceOf(ConfigurationError);
    await expect(store.checkBucket()).resolves.toBeUndefined();
  });

  it("reports an unreachable S3 as a DependencyError (503), not as a missing object", async () => {
    const unreachable = new S3ObjectStore(motoClient({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 }), {
      bucket: BUCKET,
    });
    const failure = await rejection(unreachable.get("a/once.pem"));
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure.message).toBe(
      "S3 GetObject a/once.pem in bucket 'object-store-test' failed: no response (ECONNREFUSED)",
    );
    await expect(unreachable.putIfAbsent("a/x", "x", "text/plain")).rejects.toBeInstanceOf(DependencyError);
  });
});

// Last: once moto checks signatures, the dummy-credential clients above stop working.
describe("S3ObjectStore on moto_server checking every signature", () => {
  // Keys moto's verifier accepts from the SDK's S3Client: it re-encodes '+', '=', '(', '*', '&', '%'
  // and non-ASCII in keys its own way and refuses those signatures (the round trip above covers them).
  const acceptedKeys = [
    "signed-a key with spaces.pem",
    "signed-tilde~.json",
    "signed-query?and#hash.pem",
    "signed-x.key",
  ];
  let signed: S3ObjectStore;
  let credentials: { accessKeyId: string; secretAccessKey: string };

  beforeAll(async () => {
    credentials = await moto.requireSignatures();
    signed = new S3ObjectStore(motoClient({ credentials }), { bucket: BUCKET });
  });

  it("puts, gets, lists with prefix and start-after, and deletes, signed as moto's botocore verifier expects", async () => {
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

  it("is refused with a wrong secret: a ConfigurationError (no retry fixes it) whose cause is the SDK's SignatureDoesNotMatch (403)", async () => {
    const forged = new S3ObjectStore(
      motoClient({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret" } }),
      { bucket: BUCKET },
    );
    const failure = await rejection(forged.get("signed-x.key"));
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(failure.message).toContain("no usable AWS credentials (SignatureDoesNotMatch)");
    expect(failure.cause).toMatchObject({ name: "SignatureDoesNotMatch", $metadata: { httpStatusCode: 403 } });
  });
});
