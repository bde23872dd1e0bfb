/**
 * `POST /certificates/server` in the S3 configuration (which imports into
 * ACM), on port-level fakes of S3 and ACM, with issuer material made by the
 * real core: the exact store writes (keys, bodies, content types, all
 * create-only putIfAbsent), the exact ACM import request (PEMs and tags),
 * their order, and the failure answers. How the adapters put these on the
 * wire (bucket, `If-None-Match: *`, ImportCertificate bytes and tag list) is
 * asserted in tests/unit/adapters (SDK commands) and tests/integration/storage.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { CertificateImportRequest } from "../../../../src/core/ports.js";
import { handler } from "../../../../src/http/handlers/issue-server-certificate.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { splitPemChain } from "../../../support/openssl.js";
import { inspectCertificate, isSignedBy, keyMatchesCertificate } from "../../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  IMPORTED_ARN as ARN,
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

const ROUTE = "/certificates/server";
const FQDN = "broker.dev.example.com";

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

function request(extra: Record<string, unknown> = {}) {
  return post(ROUTE, { fqdn: FQDN, issuer: "servers", key_algorithm: "EC-P256", ...extra });
}

describe("POST /certificates/server", () => {
  it("writes the PEMs, imports into ACM, then writes certificate.json, with exactly these calls", async () => {
    const result = await handler(
      request({ organization: "Acme IoT", country: "se", subject_alt_names: ["*.dev.example.com", "192.0.2.10"] }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const folder = `server_certificates/${FQDN}/${body.serial_number}/`;
    expect(body).toMatchObject({
      message: "Server certificate created, stored, and imported to ACM.",
      fqdn: FQDN,
      acm_certificate_arn: ARN,
      issuer: "servers",
      key_algorithm: "EC-P256",
      s3_folder: folder,
      private_key: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
    });

    // The issued certificate, parsed: the right subject, issuer, signature and chain.
    const server = inspectCertificate(body.certificate);
    const intermediate = inspectCertificate(pki.servers.record.certificate);
    expect(server.subject).toEqual({ C: ["SE"], O: ["Acme IoT"], CN: [FQDN] });
    expect(server.issuer).toEqual(intermediate.subject);
    expect(await isSignedBy(server.certificate, intermediate.certificate)).toBe(true);
    expect(server.subjectAltNames?.names).toEqual([
      { type: "dns", value: FQDN },
      { type: "dns", value: "*.dev.example.com" },
      { type: "ip", value: "192.0.2.10" },
    ]);
    expect(keyMatchesCertificate(body.private_key, server.certificate)).toBe(true);
    expect(splitPemChain(body.certificate_chain)).toEqual([
      pki.servers.record.certificate,
      pki.root.record.certificate,
    ]);

    // Issuer material read from the store.
    expect(reads(timeline)).toEqual(
      expect.arrayContaining([
        "intermediate_ca/servers/ca.json",
        `intermediate_ca/servers/${pki.servers.record.serial_number}/private_key.pem`,
      ]),
    );

    // The store writes, exactly (all create-only: the port has no overwrite).
    const certificateJson = store.body(`${folder}certificate.json`);
    expect(puts(timeline)).toEqual([
      pemPut(`${folder}private_key.pem`, body.private_key),
      pemPut(`server_certificates/broker.dev.example.com/${body.serial_number}/certificate.pem`, body.certificate),
      pemPut(`${folder}certificate_chain.pem`, body.certificate_chain),
      jsonPut(`${folder}certificate.json`, certificateJson),
    ]);
    expect(JSON.parse(certificateJson)).toEqual({
      kind: "server",
      subject_id: FQDN,
      serial_number: body.serial_number,
      key_algorithm: "EC-P256",
      issuer: "servers",
      not_before: body.not_before,
      not_after: body.not_after,
      created_at: expect.any(String),
      folder,
      certificate: body.certificate,
      certificate_chain: body.certificate_chain,
      acm_certificate_arn: ARN,
    });
    expect(certificateJson).not.toContain("PRIVATE KEY");

    // The ACM import, exactly: one request, the same PEMs the response carries, and the two tags.
    const expectedImport = {
      certificatePem: body.certificate,
      privateKeyPem: body.private_key,
      certificateChainPem: body.certificate_chain,
      tags: { "iot-certificates:serial-number": body.serial_number, "iot-certificates:fqdn": FQDN },
    };
    expect(importer.requests).toStrictEqual([expectedImport]);

    // The order: PEMs, then ACM, then the record (only index entries may follow).
    const writes = effects(timeline);
    expect(writes.filter((event) => !("key" in event && event.key.startsWith("inventory/")))).toEqual([
      pemPut(`${folder}private_key.pem`, body.private_key),
      pemPut(`${folder}certificate.pem`, body.certificate),
      pemPut(`${folder}certificate_chain.pem`, body.certificate_chain),
      { operation: "importCertificate", request: expectedImport },
      jsonPut(`${folder}certificate.json`, certificateJson),
    ]);
    const recordIndex = writes.findIndex((event) => "key" in event && event.key === `${folder}certificate.json`);
    for (const event of writes.slice(recordIndex + 1)) {
      expect(event).toMatchObject({ operation: "putIfAbsent", key: expect.stringMatching(/^inventory\//) });
    }
  });

  it("stores a lowercase fqdn under its lowercase folder", async () => {
    const result = await handler(request({ fqdn: "Broker.Dev.Example.COM" }));
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.fqdn).toBe(FQDN);
    expect(puts(timeline).every((call) => call.key.startsWith(`server_certificates/${FQDN}/`))).toBe(true);
  });

  it("answers 503 with Retry-After when ACM fails, and writes no certificate.json", async () => {
    importer.failWith = new Error("ThrottlingException: Rate exceeded");
    const result = await handler(request());
    const problem = expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(problem.detail).toContain("retry");
    expect(result.body).not.toContain("ThrottlingException");
    expect(result.body).not.toContain("PRIVATE KEY");
    expect(importer.requests).toHaveLength(1);
    expect(puts(timeline).some((call) => call.key.endsWith("certificate.json"))).toBe(false);
    expect(store.keys().some((key) => key.startsWith("server_certificates/") && key.endsWith(".json"))).toBe(false);
    expect(store.keys().some((key) => key.startsWith("inventory/server/"))).toBe(false);
  });

  it("answers 404 naming `issuer` when the intermediate does not exist, and writes nothing", async () => {
    const problem = expectProblem(await handler(request({ issuer: "nope" })), 404, "issuer");
    expect(problem.detail).toContain("POST /certificates/intermediate");
    expect(effects(timeline)).toEqual([]);
  });

  it.each([
    "../../etc",
    "a/b",
    "%2e%2e",
    "a\\b",
    "a\u0000b",
    "ｅxample.com",
    "/etc/passwd",
    "a".repeat(300),
    `${"a".repeat(63)}.${"b".repeat(10)}`, // a host name, but too long for the CN
  ])("answers 400 naming `fqdn` for %j, before any AWS call", async (fqdn) => {
    expectProblem(await handler(request({ fqdn })), 400, "fqdn");
    expect(timeline).toEqual([]);
  });

  it("answers 400 naming `fqdn` when it is missing", async () => {
    const problem = expectProblem(await handler(post(ROUTE, { issuer: "servers" })), 400, "fqdn");
    expect(problem.detail).toContain("required");
    expect(timeline).toEqual([]);
  });

  it.each([
    [{ key_algorithm: "Ed25519" }, "key_algorithm"],
    [{ subject_alt_names: ["*.com"] }, "subject_alt_names.0"],
    [{ subject_alt_names: ["urn:dev:1"] }, "subject_alt_names.0"],
    [{ validity_behavior: "extend" }, "validity_behavior"],
  ])("answers 400 for %j naming %s", async (extra, field) => {
    expectProblem(await handler(request(extra)), 400, field);
    expect(timeline).toEqual([]);
  });

  it("answers 500 problem+json without internals when the issuer's key is missing", async () => {
    store.objects.delete(`intermediate_ca/servers/${pki.servers.record.serial_number}/private_key.pem`);
    const result = await handler(request());
    const problem = expectProblem(result, 500);
    expect(problem.detail).not.toContain("private key");
    expect(result.body).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/);
    expect(importer.requests).toEqual([]);
  });

  it("never sends a CA private key to ACM or returns one", async () => {
    const result = await handler(request());
    expect(result.statusCode).toBe(201);
    const caKeys = [pki.root, pki.servers, pki.devices].map(
      (ca) => store.body(`${ca.record.folder}private_key.pem`).split("\n")[1],
    );
    expect(importer.requests).toHaveLength(1);
    const imported = importer.requests[0] as CertificateImportRequest;
    for (const line of caKeys) {
      expect(line).toMatch(/^[A-Za-z0-9+/]{40,}/);
      expect(result.body).not.toContain(line);
      expect(imported.privateKeyPem).not.toContain(line);
      expect(imported.certificateChainPem).not.toContain(line);
    }
  });
});
