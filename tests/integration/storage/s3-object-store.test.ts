/**
 * S3ObjectStore against a real S3 protocol server (moto_server): create-only
 * writes via `If-None-Match: *` (412 → false), missing keys, and a race of
 * concurrent writers on one key that exactly one wins.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../src/adapters/s3-object-store.js";
import { DependencyError } from "../../../src/core/errors.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";

const BUCKET = "object-store-test";

let moto: MotoServer;
let store: S3ObjectStore;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  store = new S3ObjectStore(moto.s3, BUCKET);
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
    const writers = Array.from({ length: 12 }, (_, index) => `writer ${index}\n`);
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
    const unreachable = new S3ObjectStore(
      new S3Client({
        endpoint: "http://127.0.0.1:9",
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        maxAttempts: 1,
      }),
      BUCKET,
    );
    await expect(unreachable.get("a/once.pem")).rejects.toBeInstanceOf(DependencyError);
    await expect(unreachable.putIfAbsent("a/x", "x", "text/plain")).rejects.toBeInstanceOf(DependencyError);
  });
});
