/**
 * AWS IoT Core's certificate provider function, invoked with the event the
 * developer guide documents (`certificateSigningRequest`, `principalId`,
 * `clientId`) around a CSR made with `openssl req -new`, in the S3
 * configuration on port-level fakes (the store, the event bus): it answers
 * `{ certificatePem }`, a device certificate of the named intermediate that
 * `openssl verify -x509_strict -purpose sslclient` accepts, stored and listed
 * like any other device certificate, with its `Certificate Issued` event. A
 * bad request throws (IoT Core then fails CreateCertificateFromCsr), logs the
 * reason without the CSR, and writes nothing.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { useServicesForTesting } from "../../../src/composition-root.js";
import type { CertificateEvent } from "../../../src/core/events/certificate-events.js";
import type { EventPublisher } from "../../../src/core/ports.js";
import { handler as listHandler } from "../../../src/http/handlers/list-certificates.js";
import {
  type CertificateProviderEvent,
  CertificateProviderRefusal,
  handler,
} from "../../../src/iot-provider/certificate-provider.js";
import type { RecordingObjectStore } from "../../support/api/memory-bucket.js";
import { certificatePublicKey, csrPublicKey, makeKeyAndCsr, tamperSignature } from "../../support/api/openssl-tools.js";
import { opensslVerify } from "../../support/openssl.js";
import { CLIENT_AUTH, inspectCertificate } from "../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../core/issuance/memory-hierarchy.js";
import {
  apiEvent,
  issuerMaterial,
  json,
  pemPut,
  puts,
  setUpServices,
  type TimelineEvent,
} from "../http/handlers/handler-harness.js";

/** The principal IoT Core names: the claim certificate's id (64 hex digits). */
const CLAIM_CERTIFICATE_ID = "a".repeat(64);

let pki: MemoryHierarchy;
let store: RecordingObjectStore;
let timeline: TimelineEvent[];
let published: CertificateEvent[];
let logged: () => string;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ store, timeline } = setUpServices(pki));
  published = [];
  const events: EventPublisher = {
    async publish(batch) {
      published.push(...batch);
    },
  };
  useServicesForTesting({ objectStore: store, events });
  vi.stubEnv("CERTIFICATE_PROVIDER_ISSUER", "devices");
  const spies: MockInstance[] = [
    vi.spyOn(console, "log").mockImplementation(() => undefined),
    vi.spyOn(console, "error").mockImplementation(() => undefined),
  ];
  logged = () => spies.flatMap((spy) => spy.mock.calls.map((call) => call.join(" "))).join("\n");
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The event AWS IoT Core sends for a device's CreateCertificateFromCsr (developer guide, "Lambda function input"). */
function iotEvent(csrPem: string, clientId = "claim-sensor-0042"): CertificateProviderEvent {
  return { certificateSigningRequest: csrPem, principalId: CLAIM_CERTIFICATE_ID, clientId };
}

/** Every line logged, parsed. */
function logLines(): Record<string, any>[] {
  return logged()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

describe("the certificate provider function", () => {
  it("signs the documented event's CSR with the named intermediate and answers { certificatePem }", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-0042" });
    const response = await handler(iotEvent(csrPem), { awsRequestId: "req-1" });

    expect(Object.keys(response)).toEqual(["certificatePem"]);
    const certificate = inspectCertificate(response.certificatePem);
    expect(certificate.subject).toEqual({ CN: ["sensor-0042"] });
    expect(certificate.issuer).toEqual(inspectCertificate(pki.devices.record.certificate).subject);
    expect(certificate.extendedKeyUsage?.usages).toEqual([CLIENT_AUTH]);
    expect(certificatePublicKey(response.certificatePem)).toBe(csrPublicKey(csrPem));
    // The leaf only, as documented: one certificate.
    expect(response.certificatePem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const verified = opensslVerify({
      trusted: pki.root.record.certificate,
      untrusted: pki.devices.record.certificate,
      certificate: response.certificatePem,
      purpose: "sslclient",
    });
    expect(verified.output).toMatch(/: OK/);
    expect(verified.ok).toBe(true);
  });

  it("stores it like any other device certificate (no private key), lists it in the inventory and announces it", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "RSA-2048", commonName: "sensor-0043" });
    const { certificatePem } = await handler(iotEvent(csrPem));
    const serial = inspectCertificate(certificatePem).serialNumber;
    const folder = `device_certificates/sensor-0043/${serial}/`;

    const writes = puts(timeline);
    expect(writes.map((call) => call.key)).toEqual([
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}certificate.json`,
    ]);
    expect(writes[0]).toEqual(pemPut(`${folder}certificate.pem`, certificatePem));
    const record = JSON.parse(store.body(`${folder}certificate.json`) as string);
    expect(record).toMatchObject({
      kind: "device",
      subject_id: "sensor-0043",
      issuer: "devices",
      serial_number: serial,
      from_csr: true,
      certificate: certificatePem,
    });
    expect(store.keys().filter((key) => key.startsWith("device_certificates/"))).toEqual([
      `${folder}certificate.json`,
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
    ]);

    const listed = json(
      await listHandler(apiEvent({ method: "GET", resource: "/certificates/device", path: "/certificates/device" })),
    );
    expect(listed.items).toEqual([
      expect.objectContaining({ serial_number: serial, device_id: "sensor-0043", issuer: "devices", status: "valid" }),
    ]);

    expect(published.map((event) => [event.detailType, event.serialNumbers])).toEqual([
      ["Certificate Issued", [serial]],
    ]);
  });

  it("logs one line naming the serial, device, issuer, principal and client id, and never the CSR", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-0044" });
    const { certificatePem } = await handler(iotEvent(csrPem, "claim-0044"), { awsRequestId: "req-44" });
    const lines = logLines();
    expect(lines).toEqual([
      expect.objectContaining({
        level: "INFO",
        message: expect.stringContaining("certificate provider"),
        requestId: "req-44",
        device_id: "sensor-0044",
        issuer: "devices",
        serial_number: inspectCertificate(certificatePem).serialNumber,
        principal_id: CLAIM_CERTIFICATE_ID,
        client_id: "claim-0044",
      }),
    ]);
    expect(logged()).not.toContain("CERTIFICATE REQUEST");
  });

  it("names the device by a random UUID when the CSR has no CN", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "Ed25519" });
    const { certificatePem } = await handler(iotEvent(csrPem));
    const [cn] = inspectCertificate(certificatePem).subject.CN ?? [];
    expect(cn).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("the certificate provider refuses (IoT Core then fails CreateCertificateFromCsr)", () => {
  /** Asserts the handler throws a refusal matching `reason`, wrote nothing, sent nothing, and logged the reason without the CSR. */
  async function expectRefusal(event: unknown, reason: RegExp) {
    const error = await handler(event, { awsRequestId: "req-bad" }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CertificateProviderRefusal);
    expect((error as Error).message).toMatch(/^CreateCertificateFromCsr refused: /);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain("-----BEGIN");
    expect(puts(timeline)).toEqual([]);
    expect(
      store.keys().filter((key) => key.startsWith("device_certificates/") || key.startsWith("inventory/device/")),
    ).toEqual([]);
    expect(published).toEqual([]);
    const lines = logLines();
    expect(lines).toEqual([
      expect.objectContaining({
        level: "ERROR",
        message: "certificate provider: CreateCertificateFromCsr refused",
        requestId: "req-bad",
        error: expect.objectContaining({ message: expect.stringMatching(reason) }),
      }),
    ]);
    expect(logged()).not.toContain("CERTIFICATE REQUEST");
    expect(logged()).not.toMatch(/[A-Za-z0-9+/]{100,}/);
  }

  it("a CSR whose signature does not verify", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-0050" });
    await expectRefusal(iotEvent(tamperSignature(csrPem)), /signature/i);
  });

  it("a CSR whose CN is not a device id", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "not a device id" });
    await expectRefusal(iotEvent(csrPem), /the CSR asks for CN 'not a device id'/);
  });

  it("an event without a certificateSigningRequest, or with something else in it", async () => {
    await expectRefusal({ principalId: CLAIM_CERTIFICATE_ID, clientId: "x" }, /certificateSigningRequest/);
    vi.clearAllMocks();
    await expectRefusal(iotEvent("hello"), /certificateSigningRequest must be a PEM certificate request/);
  });

  it("a deployment without CERTIFICATE_PROVIDER_ISSUER, naming an intermediate that does not exist, or no CA name", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-0051" });
    vi.stubEnv("CERTIFICATE_PROVIDER_ISSUER", "");
    await expectRefusal(iotEvent(csrPem), /CERTIFICATE_PROVIDER_ISSUER is not set/);
    vi.clearAllMocks();
    vi.stubEnv("CERTIFICATE_PROVIDER_ISSUER", "factory-line-9");
    await expectRefusal(iotEvent(csrPem), /factory-line-9/);
    vi.clearAllMocks();
    vi.stubEnv("CERTIFICATE_PROVIDER_ISSUER", "../root_ca/default");
    await expectRefusal(iotEvent(csrPem), /CERTIFICATE_PROVIDER_ISSUER must be an intermediate CA's name/);
  });
});
