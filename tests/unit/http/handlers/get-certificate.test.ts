/**
 * `GET /certificates/{root|intermediate}/{name}` in the S3 configuration, on
 * port-level fakes of S3 and ACM: reads the record, never a key; serves JSON
 * or the PEM chain; answers 404 for a missing record and 503 when the store
 * fails; and refuses unsafe names before any store call. The S3 wire format is
 * asserted in tests/unit/adapters (SDK commands) and tests/integration/storage.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/get-certificate.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  apiEvent,
  effects,
  expectProblem,
  issuerMaterial,
  json,
  reads,
  setUpServices,
  type TimelineEvent,
} from "./handler-harness.js";

let pki: MemoryHierarchy;
let store: RecordingObjectStore;
let timeline: TimelineEvent[];

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ store, timeline } = setUpServices(pki));
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
    const read = reads(timeline);
    expect(read).toContain(`${ca.record.folder.split("/").slice(0, 2).join("/")}/ca.json`);
    expect(read.some((key) => key.includes("private_key"))).toBe(false);
    expect(effects(timeline)).toEqual([]);
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
    // A missing object is `get` resolving undefined (S3's NoSuchKey, translated by the adapter).
    expect(reads(timeline)).toContain("root_ca/missing/ca.json");
  });

  it("answers 503 problem+json with Retry-After when the store fails (as S3 does for a missing bucket)", async () => {
    store.failWhen = (call) => call.operation === "get";
    const result = await get("root", "default");
    const problem = expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(problem.detail).toContain("retry");
  });

  it.each(["..", "%2e%2e", "..%2F..%2Fetc", "Default", "a_b", "%00"])(
    "answers 400 naming `name` for %j, before any store call",
    async (name) => {
      expectProblem(await get("root", name), 400, "name");
      expect(timeline).toEqual([]);
    },
  );
});
