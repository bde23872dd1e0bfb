/**
 * `POST /certificates/intermediate` on mocked S3, with a root made by the
 * real core: the root material read, the exact writes, the chain returned,
 * and no CA key in any response.
 */
import "aws-sdk-client-mock-vitest/extend";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/create-intermediate-ca.js";
import { splitPemChain } from "../../../support/openssl.js";
import type { MockS3Bucket } from "../../../support/storage/mock-s3-bucket.js";
import { inspectCertificate, isSignedBy } from "../../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  acmMock,
  BUCKET,
  expectProblem,
  issuerMaterial,
  json,
  jsonPut,
  pemPut,
  post,
  putInputs,
  s3Mock,
  setUpAws,
} from "./handler-harness.js";

const ROUTE = "/certificates/intermediate";

let pki: MemoryHierarchy;
let bucket: MockS3Bucket;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ bucket } = setUpAws(pki));
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("POST /certificates/intermediate", () => {
  it("reads the root, writes key, certificate and chain, then ca.json; returns no key", async () => {
    const result = await handler(
      post(ROUTE, { name: "lab", issuer: "default", organization: "Acme IoT", key_algorithm: "EC-P256" }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const folder = `intermediate_ca/lab/${body.serial_number}/`;
    expect(body).toMatchObject({
      message: "Intermediate CA created and stored.",
      name: "lab",
      issuer: "default",
      s3_folder: folder,
    });
    expect(body.private_key).toBeUndefined();
    expect(result.body).not.toContain("PRIVATE KEY");

    const intermediate = inspectCertificate(body.certificate);
    const root = inspectCertificate(pki.root.record.certificate);
    expect(intermediate.subject).toEqual({ O: ["Acme IoT"], CN: ["lab Intermediate CA"] });
    expect(intermediate.issuer).toEqual(root.subject);
    expect(await isSignedBy(intermediate.certificate, root.certificate)).toBe(true);
    expect(intermediate.basicConstraints).toEqual({ critical: true, ca: true, pathLength: 0 });
    expect(splitPemChain(body.certificate_chain)).toEqual([body.certificate, pki.root.record.certificate]);

    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: "intermediate_ca/lab/ca.json" });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: "root_ca/default/ca.json" });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: `root_ca/default/${pki.root.record.serial_number}/private_key.pem`,
    });

    const privateKeyPem = bucket.body(`${folder}private_key.pem`);
    const caJson = bucket.body("intermediate_ca/lab/ca.json");
    expect(putInputs()).toEqual([
      pemPut(`${folder}private_key.pem`, privateKeyPem),
      pemPut(`${folder}certificate.pem`, body.certificate),
      pemPut(`${folder}certificate_chain.pem`, body.certificate_chain),
      jsonPut("intermediate_ca/lab/ca.json", caJson),
    ]);
    expect(JSON.parse(caJson)).toMatchObject({
      kind: "intermediate",
      subject_id: "lab",
      issuer: "default",
      serial_number: body.serial_number,
      certificate: body.certificate,
      certificate_chain: body.certificate_chain,
    });
    expect(caJson).not.toContain("PRIVATE KEY");
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it("answers 409 for an existing intermediate and leaves it untouched", async () => {
    const before = bucket.snapshot();
    expectProblem(await handler(post(ROUTE, { name: "servers", key_algorithm: "EC-P256" })), 409, "name");
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(bucket.snapshot()).toEqual(before);
  });

  it("answers 409 when it loses the ca.json race (412) and deletes exactly its three files", async () => {
    bucket.onPut = (input) => {
      if (input.Key === "intermediate_ca/lab/ca.json") {
        bucket.objects.set(input.Key, { body: "{}", contentType: "application/json" });
      }
    };
    expectProblem(await handler(post(ROUTE, { name: "lab", key_algorithm: "EC-P256" })), 409, "name");
    const ownFiles = putInputs()
      .map((input) => String(input.Key))
      .filter((key) => key.endsWith(".pem"));
    expect(ownFiles).toHaveLength(3);
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual(
      expect.arrayContaining(ownFiles.map((Key) => ({ Bucket: BUCKET, Key }))),
    );
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectCommand, 3);
    expect(bucket.keys().filter((key) => key.startsWith("intermediate_ca/lab/"))).toEqual([
      "intermediate_ca/lab/ca.json",
    ]);
  });

  it("answers 404 naming `issuer` when the root does not exist", async () => {
    expectProblem(
      await handler(post(ROUTE, { name: "lab", issuer: "other", key_algorithm: "EC-P256" })),
      404,
      "issuer",
    );
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("answers 400 naming validity_days when it would outlive the root, with the latest allowed date", async () => {
    const problem = expectProblem(
      await handler(post(ROUTE, { name: "lab", key_algorithm: "EC-P256", validity_days: 9000 })),
      400,
      "validity_days",
    );
    expect(problem.detail).toContain(pki.root.record.not_after);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });
});
