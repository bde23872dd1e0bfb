/**
 * `POST /certificates/root` in the S3 configuration, on port-level fakes of
 * S3 and ACM: the exact store calls, ca.json as the commit point, a lost race
 * answered 409 with the attempt's own files deleted, and errors as
 * problem+json without internals. The S3 wire format (bucket,
 * `If-None-Match: *`) is asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/create-root-ca.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import {
  deletes,
  effects,
  expectProblem,
  json,
  jsonPut,
  pemPut,
  post,
  puts,
  type RecordingImporter,
  reads,
  recordJson,
  setUpServices,
  type TimelineEvent,
} from "./handler-harness.js";

const ROUTE = "/certificates/root";

let store: RecordingObjectStore;
let importer: RecordingImporter;
let timeline: TimelineEvent[];

beforeEach(() => {
  ({ store, importer, timeline } = setUpServices());
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("POST /certificates/root", () => {
  it("checks the name, then writes key and certificate, then ca.json, all create-only", async () => {
    const result = await handler(
      post(ROUTE, { name: "default", fqdn: "Acme Dev Root CA", organization: "Acme IoT", key_algorithm: "EC-P256" }),
    );
    expect(result.statusCode).toBe(201);
    expect(result.headers?.["Content-Type"]).toBe("application/json");
    const body = json(result);
    const folder = `root_ca/default/${body.serial_number}/`;
    expect(body).toMatchObject({
      message: "Root CA created and stored.",
      name: "default",
      key_algorithm: "EC-P256",
      s3_folder: folder,
      certificate_chain: body.certificate,
    });
    expect(body.private_key).toBeUndefined();
    expect(result.body).not.toContain("PRIVATE KEY");

    // The name check reads ca.json before anything is written.
    expect(reads(timeline)).toContain("root_ca/default/ca.json");
    expect(
      timeline.findIndex((event) => event.operation === "get" && event.key === "root_ca/default/ca.json"),
    ).toBeLessThan(timeline.findIndex((event) => event.operation === "putIfAbsent"));
    const privateKeyPem = store.body(`${folder}private_key.pem`);
    expect(privateKeyPem).toContain("-----BEGIN PRIVATE KEY-----");
    const caJson = store.body("root_ca/default/ca.json");
    expect(JSON.parse(caJson)).toMatchObject({ kind: "root", subject_id: "default", certificate: body.certificate });
    // Every write is a create-only putIfAbsent, with these bodies and content types, in this order.
    expect(puts(timeline)).toEqual([
      pemPut(`${folder}private_key.pem`, privateKeyPem),
      pemPut(`${folder}certificate.pem`, body.certificate),
      jsonPut("root_ca/default/ca.json", caJson),
    ]);
    expect(caJson).not.toContain("PRIVATE KEY");
    expect(deletes(timeline)).toEqual([]);
    expect(importer.requests).toEqual([]);
  });

  it("answers 409 for an existing root without writing anything", async () => {
    expect((await handler(post(ROUTE, { key_algorithm: "EC-P256" }))).statusCode).toBe(201);
    const before = store.snapshot();
    timeline.length = 0;
    const problem = expectProblem(await handler(post(ROUTE, { key_algorithm: "EC-P256" })), 409, "name");
    expect(problem.detail).toContain("already exists");
    expect(effects(timeline)).toEqual([]);
    expect(store.snapshot()).toEqual(before);
  });

  it("answers 409 when ca.json is taken by a concurrent request (putIfAbsent false), and deletes exactly its own files", async () => {
    const winner = recordJson({ kind: "root", subject_id: "default", serial_number: "winner" });
    store.beforeEffect = (call) => {
      if (call.operation === "putIfAbsent" && call.key === "root_ca/default/ca.json") {
        // Another request committed between our name check and our commit.
        store.objects.set(call.key, winner);
      }
    };
    const result = await handler(post(ROUTE, { name: "default", key_algorithm: "EC-P256" }));
    expectProblem(result, 409, "name");
    const attempted = puts(timeline).map((call) => call.key);
    expect(attempted).toHaveLength(3);
    expect(attempted[2]).toBe("root_ca/default/ca.json");
    const ownFiles = attempted.filter((key) => key.endsWith(".pem"));
    expect(ownFiles).toHaveLength(2);
    expect([...deletes(timeline)].sort()).toEqual([...ownFiles].sort());
    expect(store.keys()).toEqual(["root_ca/default/ca.json"]);
    expect(store.body("root_ca/default/ca.json")).toBe(winner);
  });

  it("answers 503 with Retry-After when S3 fails, and says nothing was changed", async () => {
    // Every write fails as the S3 adapter fails on a 500: with a DependencyError.
    store.failWhen = (call) => call.operation === "putIfAbsent";
    const result = await handler(post(ROUTE, { key_algorithm: "EC-P256" }));
    const problem = expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(problem.detail).toContain("retry");
    expect(puts(timeline)).not.toEqual([]);
    expect(store.keys()).toEqual([]);
  });

  it("answers 500 problem+json without a stack or internals for an unexpected error", async () => {
    // A corrupt record makes JSON.parse throw inside the repository: not a domain error.
    store.objects.set("root_ca/default/ca.json", "{corrupt");
    const result = await handler(post(ROUTE, { key_algorithm: "EC-P256" }));
    const problem = expectProblem(result, 500);
    expect(Object.keys(problem).sort()).toEqual(["detail", "status", "title", "type"]);
    expect(result.body).not.toMatch(/SyntaxError|JSON|\bat \S+ \(|\.ts:\d+|node_modules|corrupt/);
    // It is logged instead, with the stack.
    expect(console.error).toHaveBeenCalled();
    const logged = String(vi.mocked(console.error).mock.calls.at(-1)?.[0]);
    expect(JSON.parse(logged)).toMatchObject({ level: "ERROR", error: { name: "SyntaxError" } });
  });

  it.each([
    [{ key_algorithm: "Ed25519" }, "key_algorithm"],
    [{ name: "../../etc" }, "name"],
    [{ name: "Default" }, "name"],
    [{ validity_days: 0 }, "validity_days"],
    [{ country: "Sweden" }, "country"],
  ])("answers 400 for %j naming %s, before any AWS call", async (body, field) => {
    expectProblem(await handler(post(ROUTE, body)), 400, field);
    expect(timeline).toEqual([]);
  });

  it("answers 400 naming an unknown field", async () => {
    const problem = expectProblem(await handler(post(ROUTE, { key_algorithm: "EC-P256", admin: true })), 400, "admin");
    expect(problem.detail).toContain("unknown field");
    expect(timeline).toEqual([]);
  });

  it("answers 400 for malformed JSON and 413 for a body over 64 KiB", async () => {
    expectProblem(await handler(post(ROUTE, "{not json")), 400);
    expectProblem(await handler(post(ROUTE, JSON.stringify({ organization: "x".repeat(70_000) }))), 413);
    expect(timeline).toEqual([]);
  });

  it("writes only through the create-only putIfAbsent, never deleting, for two roots", async () => {
    expect((await handler(post(ROUTE, { key_algorithm: "EC-P256" }))).statusCode).toBe(201);
    expect((await handler(post(ROUTE, { name: "second", key_algorithm: "EC-P256" }))).statusCode).toBe(201);
    const writes = effects(timeline);
    expect(writes.length).toBeGreaterThanOrEqual(6);
    for (const event of writes) expect(event.operation).toBe("putIfAbsent");
  });
});
