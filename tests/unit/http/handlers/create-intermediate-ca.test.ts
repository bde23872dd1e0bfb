/**
 * `POST /certificates/intermediate` in the S3 configuration, on port-level
 * fakes of S3 and ACM, with a root made by the real core: the root material
 * read, the exact writes, the chain returned, and no CA key in any response.
 * The S3 wire format is asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/create-intermediate-ca.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { splitPemChain } from "../../../support/openssl.js";
import { inspectCertificate, isSignedBy } from "../../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  deletes,
  effects,
  expectProblem,
  issuerMaterial,
  json,
  jsonPut,
  pemPut,
  post,
  puts,
  type RecordingImporter,
  reads,
  setUpServices,
  type TimelineEvent,
} from "./handler-harness.js";

const ROUTE = "/certificates/intermediate";

let pki: MemoryHierarchy;
let store: RecordingObjectStore;
let importer: RecordingImporter;
let timeline: TimelineEvent[];

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ store, importer, timeline } = setUpServices(pki));
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

    expect(reads(timeline)).toEqual(
      expect.arrayContaining([
        "intermediate_ca/lab/ca.json",
        "root_ca/default/ca.json",
        `root_ca/default/${pki.root.record.serial_number}/private_key.pem`,
      ]),
    );

    const privateKeyPem = store.body(`${folder}private_key.pem`);
    const caJson = store.body("intermediate_ca/lab/ca.json");
    expect(puts(timeline)).toEqual([
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
    expect(importer.requests).toEqual([]);
  });

  it("answers 409 for an existing intermediate and leaves it untouched", async () => {
    const before = store.snapshot();
    expectProblem(await handler(post(ROUTE, { name: "servers", key_algorithm: "EC-P256" })), 409, "name");
    expect(effects(timeline)).toEqual([]);
    expect(store.snapshot()).toEqual(before);
  });

  it("answers 409 when it loses the ca.json race (putIfAbsent false) and deletes exactly its three files", async () => {
    store.beforeEffect = (call) => {
      if (call.operation === "putIfAbsent" && call.key === "intermediate_ca/lab/ca.json") {
        // Another request committed between our name check and our commit.
        store.objects.set(call.key, "{}");
      }
    };
    expectProblem(await handler(post(ROUTE, { name: "lab", key_algorithm: "EC-P256" })), 409, "name");
    const ownFiles = puts(timeline)
      .map((call) => call.key)
      .filter((key) => key.endsWith(".pem"));
    expect(ownFiles).toHaveLength(3);
    expect([...deletes(timeline)].sort()).toEqual([...ownFiles].sort());
    expect(store.keys().filter((key) => key.startsWith("intermediate_ca/lab/"))).toEqual([
      "intermediate_ca/lab/ca.json",
    ]);
  });

  it("answers 404 naming `issuer` when the root does not exist", async () => {
    expectProblem(
      await handler(post(ROUTE, { name: "lab", issuer: "other", key_algorithm: "EC-P256" })),
      404,
      "issuer",
    );
    expect(effects(timeline)).toEqual([]);
  });

  it("answers 400 naming validity_days when it would outlive the root, with the latest allowed date", async () => {
    const problem = expectProblem(
      await handler(post(ROUTE, { name: "lab", key_algorithm: "EC-P256", validity_days: 9000 })),
      400,
      "validity_days",
    );
    expect(problem.detail).toContain(pki.root.record.not_after);
    expect(effects(timeline)).toEqual([]);
  });
});
