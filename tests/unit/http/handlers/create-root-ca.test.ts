/**
 * `POST /certificates/root` on mocked S3: the exact commands sent, ca.json as
 * the commit point, a lost race answered 409 with the attempt's own files
 * deleted, and errors as problem+json without internals.
 */
import "aws-sdk-client-mock-vitest/extend";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/create-root-ca.js";
import { internalError, type MockS3Bucket } from "../../../support/storage/mock-s3-bucket.js";
import {
  acmMock,
  BUCKET,
  expectProblem,
  json,
  jsonPut,
  pemPut,
  post,
  putInputs,
  recordJson,
  s3Mock,
  setUpAws,
} from "./handler-harness.js";

const ROUTE = "/certificates/root";

let bucket: MockS3Bucket;

beforeEach(() => {
  ({ bucket } = setUpAws());
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

    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: "root_ca/default/ca.json" });
    const privateKeyPem = bucket.body(`${folder}private_key.pem`);
    expect(privateKeyPem).toContain("-----BEGIN PRIVATE KEY-----");
    const caJson = bucket.body("root_ca/default/ca.json");
    expect(JSON.parse(caJson)).toMatchObject({ kind: "root", subject_id: "default", certificate: body.certificate });
    expect(putInputs()).toEqual([
      pemPut(`${folder}private_key.pem`, privateKeyPem),
      pemPut(`${folder}certificate.pem`, body.certificate),
      jsonPut("root_ca/default/ca.json", caJson),
    ]);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: `${folder}certificate.pem`,
      Body: body.certificate,
      ContentType: "application/x-pem-file",
      IfNoneMatch: "*",
    });
    expect(caJson).not.toContain("PRIVATE KEY");
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it("answers 409 for an existing root without writing anything", async () => {
    expect((await handler(post(ROUTE, { key_algorithm: "EC-P256" }))).statusCode).toBe(201);
    const before = bucket.snapshot();
    s3Mock.resetHistory();
    const problem = expectProblem(await handler(post(ROUTE, { key_algorithm: "EC-P256" })), 409, "name");
    expect(problem.detail).toContain("already exists");
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(bucket.snapshot()).toEqual(before);
  });

  it("answers 409 when ca.json is taken by a concurrent request (412), and deletes exactly its own files", async () => {
    const winner = recordJson({ kind: "root", subject_id: "default", serial_number: "winner" });
    bucket.onPut = (input) => {
      if (input.Key === "root_ca/default/ca.json") {
        // Another request committed between our name check and our commit.
        bucket.objects.set(input.Key, { body: winner, contentType: "application/json" });
      }
    };
    const result = await handler(post(ROUTE, { name: "default", key_algorithm: "EC-P256" }));
    expectProblem(result, 409, "name");
    const attempted = putInputs().map((input) => String(input.Key));
    expect(attempted).toHaveLength(3);
    const ownFiles = attempted.filter((key) => key.endsWith(".pem"));
    expect(ownFiles).toHaveLength(2);
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectCommand, 2);
    for (const key of ownFiles)
      expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: key });
    expect(bucket.keys()).toEqual(["root_ca/default/ca.json"]);
    expect(bucket.body("root_ca/default/ca.json")).toBe(winner);
  });

  it("answers 503 with Retry-After when S3 fails, and says nothing was changed", async () => {
    bucket.onPut = () => {
      throw internalError();
    };
    const result = await handler(post(ROUTE, { key_algorithm: "EC-P256" }));
    const problem = expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(problem.detail).toContain("retry");
    expect(bucket.keys()).toEqual([]);
  });

  it("answers 500 problem+json without a stack or internals for an unexpected error", async () => {
    // A corrupt record makes JSON.parse throw inside the repository: not a domain error.
    bucket.objects.set("root_ca/default/ca.json", { body: "{corrupt", contentType: "application/json" });
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
    expect(s3Mock).not.toHaveReceivedAnyCommand();
  });

  it("answers 400 naming an unknown field", async () => {
    const problem = expectProblem(await handler(post(ROUTE, { key_algorithm: "EC-P256", admin: true })), 400, "admin");
    expect(problem.detail).toContain("unknown field");
    expect(s3Mock).not.toHaveReceivedAnyCommand();
  });

  it("answers 400 for malformed JSON and 413 for a body over 64 KiB", async () => {
    expectProblem(await handler(post(ROUTE, "{not json")), 400);
    expectProblem(await handler(post(ROUTE, JSON.stringify({ organization: "x".repeat(70_000) }))), 413);
    expect(s3Mock).not.toHaveReceivedAnyCommand();
  });

  it("sends every PutObject as a conditional create (IfNoneMatch '*')", async () => {
    await handler(post(ROUTE, { key_algorithm: "EC-P256" }));
    await handler(post(ROUTE, { name: "second", key_algorithm: "EC-P256" }));
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts.length).toBeGreaterThanOrEqual(6);
    for (const call of puts) expect(call.args[0].input.IfNoneMatch).toBe("*");
  });
});
