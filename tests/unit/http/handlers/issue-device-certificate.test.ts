/**
 * `POST /certificates/device` in the S3 configuration, on port-level fakes of
 * S3 and ACM: the exact writes, certificate.json last, no ACM call. The S3
 * wire format is asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/issue-device-certificate.js";
import { CLAIM_DEADLINE_MARGIN_MS } from "../../../../src/http/idempotency.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { splitPemChain } from "../../../support/openssl.js";
import { CLIENT_AUTH, inspectCertificate, isSignedBy } from "../../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  apiEvent,
  effects,
  expectProblem,
  issuerMaterial,
  json,
  jsonPut,
  pemPut,
  post,
  puts,
  type RecordingImporter,
  setUpServices,
  type TimelineEvent,
} from "./handler-harness.js";

const ROUTE = "/certificates/device";

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

describe("POST /certificates/device", () => {
  it("writes the PEMs then certificate.json under the device id, and calls no ACM", async () => {
    const result = await handler(
      post(ROUTE, {
        device_id: "sensor-0001",
        issuer: "devices",
        key_algorithm: "EC-P256",
        subject_alt_names: ["urn:dev:ops:sensor-0001"],
      }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const folder = `device_certificates/sensor-0001/${body.serial_number}/`;
    expect(body).toMatchObject({
      message: "Device certificate created and stored.",
      device_id: "sensor-0001",
      issuer: "devices",
      s3_folder: folder,
      private_key: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
    });

    const device = inspectCertificate(body.certificate);
    const intermediate = inspectCertificate(pki.devices.record.certificate);
    expect(device.subject).toEqual({ CN: ["sensor-0001"] });
    expect(device.issuer).toEqual(intermediate.subject);
    expect(await isSignedBy(device.certificate, intermediate.certificate)).toBe(true);
    expect(device.extendedKeyUsage?.usages).toEqual([CLIENT_AUTH]);
    expect(device.subjectAltNames?.names).toEqual([{ type: "url", value: "urn:dev:ops:sensor-0001" }]);
    expect(splitPemChain(body.certificate_chain)).toEqual([
      pki.devices.record.certificate,
      pki.root.record.certificate,
    ]);

    const certificateJson = store.body(`${folder}certificate.json`);
    expect(puts(timeline)).toEqual([
      pemPut(`${folder}private_key.pem`, body.private_key),
      pemPut(`${folder}certificate.pem`, body.certificate),
      pemPut(`${folder}certificate_chain.pem`, body.certificate_chain),
      jsonPut(`${folder}certificate.json`, certificateJson),
    ]);
    expect(JSON.parse(certificateJson)).toMatchObject({
      kind: "device",
      subject_id: "sensor-0001",
      serial_number: body.serial_number,
      issuer: "devices",
      folder,
      certificate: body.certificate,
    });
    expect(certificateJson).not.toContain("PRIVATE KEY");
    // Only index entries may be written after the record (the commit point).
    const writes = effects(timeline);
    const recordIndex = writes.findIndex((event) => "key" in event && event.key === `${folder}certificate.json`);
    expect(recordIndex).toBeGreaterThanOrEqual(0);
    for (const event of writes.slice(recordIndex + 1)) {
      expect(event).toMatchObject({ operation: "putIfAbsent", key: expect.stringMatching(/^inventory\//) });
    }
    expect(importer.requests).toEqual([]);
  });

  it("names a device by a random UUID when no id is given, and accepts an Ed25519 key", async () => {
    const result = await handler(post(ROUTE, { issuer: "devices", key_algorithm: "Ed25519" }));
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.device_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(inspectCertificate(body.certificate).publicKeyAlgorithm).toBe("Ed25519");
    expect(puts(timeline).every((call) => call.key.startsWith(`device_certificates/${body.device_id}/`))).toBe(true);
  });

  it.each(["../../etc", "a/b", ".hidden", "..", "a\\b", "a\u0000b", "ｓensor", "x".repeat(65)])(
    "answers 400 naming device_id for %j, before any AWS call",
    async (deviceId) => {
      expectProblem(await handler(post(ROUTE, { device_id: deviceId, issuer: "devices" })), 400, "device_id");
      expect(timeline).toEqual([]);
    },
  );

  it("answers 503 with Retry-After and records nothing when S3 fails mid-way", async () => {
    // The chain's write fails as the S3 adapter fails on a 500: with a DependencyError.
    store.failWhen = (call) => call.operation === "putIfAbsent" && call.key.endsWith("certificate_chain.pem");
    const result = await handler(post(ROUTE, { device_id: "sensor-2", issuer: "devices", key_algorithm: "EC-P256" }));
    expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(puts(timeline).some((call) => call.key.endsWith("certificate_chain.pem"))).toBe(true);
    expect(store.keys().some((key) => key.endsWith("certificate.json") || key.startsWith("inventory/device/"))).toBe(
      false,
    );
  });

  it("with Idempotency-Key, answers 201 with the certificate and its key even when the response cannot be stored", async () => {
    store.failWhen = (call) =>
      call.operation === "putIfAbsent" && /^idempotency\/.*\/response-\d+\.json$/.test(call.key);
    const event = apiEvent({
      method: "POST",
      resource: ROUTE,
      body: { device_id: "sensor-3", issuer: "devices", key_algorithm: "EC-P256" },
      headers: { "Idempotency-Key": "store-fails" },
    });
    const result = await handler(event, { getRemainingTimeInMillis: () => 20_000 });
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.private_key).toContain("-----BEGIN PRIVATE KEY-----");
    const device = inspectCertificate(body.certificate);
    expect(device.subject).toEqual({ CN: ["sensor-3"] });
    expect(await isSignedBy(device.certificate, inspectCertificate(pki.devices.record.certificate).certificate)).toBe(
      true,
    );
    // Issued and listed as usual; the key's claim stays, in progress for the invocation's time plus the margin.
    expect(store.keys()).toContain(`device_certificates/sensor-3/${body.serial_number}/certificate.json`);
    const claims = store.keys().filter((key) => key.startsWith("idempotency/"));
    expect(claims).toEqual([expect.stringMatching(/^idempotency\/[0-9a-f]{64}\/claim-0\.json$/)]);
    const claim = JSON.parse(store.body(claims[0] as string));
    expect(Date.parse(claim.in_progress_until) - Date.parse(claim.created_at)).toBe(20_000 + CLAIM_DEADLINE_MARGIN_MS);
    // A retry meanwhile is told to wait, not given a second certificate.
    expectProblem(await handler(event), 409, "Idempotency-Key");
  });
});
