/**
 * `GET /certificates/{root|intermediate}/{name}` (and a leaf by serial) on
 * mocked S3: reads the record, never a key; serves JSON or the PEM chain; and
 * refuses unsafe names before any S3 call.
 */
import "aws-sdk-client-mock-vitest/extend";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/get-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import { apiEvent, BUCKET, expectProblem, issuerMaterial, json, s3Mock, setUpAws } from "./handler-harness.js";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  setUpAws(pki);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function get(kind: "root" | "intermediate", name: string, headers: Record<string, string> = {}) {
  return handler(
    apiEvent({
      method: "GET",
      resource: `/certificates/${kind}/{name}`,
      path: `/certificates/${kind}/${name}`,
      pathParameters: { name },
      headers,
    }),
  );
}

describe("GET /certificates/{kind}/{name}", () => {
  it.each([
    ["root", "default"],
    ["intermediate", "servers"],
  ] as const)("serves the %s CA %s from its ca.json, never reading or returning its key", async (kind, name) => {
    const ca = kind === "root" ? pki.root : pki.servers;
    const result = await get(kind, name);
    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      name,
      kind,
      serial_number: ca.record.serial_number,
      certificate: ca.record.certificate,
      certificate_chain: ca.record.certificate_chain,
    });
    expect(result.body).not.toContain("PRIVATE KEY");
    const read = s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input);
    expect(read).toContainEqual({
      Bucket: BUCKET,
      Key: `${ca.record.folder.split("/").slice(0, 2).join("/")}/ca.json`,
    });
    expect(read.some((input) => String(input.Key).includes("private_key"))).toBe(false);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it("serves the PEM chain for Accept: application/x-pem-file", async () => {
    const result = await get("intermediate", "devices", { Accept: "application/x-pem-file" });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.["Content-Type"]).toBe("application/x-pem-file");
    expect(result.body).toBe(pki.devices.record.certificate_chain);
    expect(result.body).not.toContain("PRIVATE KEY");
  });

  it("answers 404 problem+json for a missing CA, saying how to create it", async () => {
    const problem = expectProblem(await get("root", "missing"), 404);
    expect(problem.detail).toContain("missing");
    expect(problem.detail).toContain("POST /certificates/root");
  });

  it.each(["..", "%2e%2e", "..%2F..%2Fetc", "Default", "a_b", "%00"])(
    "answers 400 naming `name` for %j, before any S3 call",
    async (name) => {
      expectProblem(await get("root", name), 400, "name");
      expect(s3Mock).not.toHaveReceivedAnyCommand();
    },
  );
});
