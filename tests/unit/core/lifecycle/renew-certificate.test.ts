/**
 * Renewal through the core on an in-memory store: what the new certificate
 * keeps (parsed from the DER), the key choices, the ACM re-import on the same
 * ARN, the links both ways, revoke_previous, and every refusal leaving the
 * store exactly as it was.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidRequestError, NotFoundError } from "../../../../src/core/errors.js";
import { CollectingEventPublisher, DETAIL_TYPES } from "../../../../src/core/events/certificate-events.js";
import { getCertificate } from "../../../../src/core/inventory/get-certificate.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../../../src/core/issuance/issue-server-certificate.js";
import { renewCertificate } from "../../../../src/core/lifecycle/renew-certificate.js";
import { revokeCertificate } from "../../../../src/core/revocation/revoke-certificate.js";
import { X509Crl } from "../../../../src/core/x509.js";
import { makeKeyAndCsr, runWithFiles } from "../../../support/api/openssl-tools.js";
import { rejection } from "../../../support/rejections.js";
import { CLIENT_AUTH, inspectCertificate, SERVER_AUTH } from "../issuance/inspect-certificate.js";
import {
  copyOf,
  createMemoryHierarchy,
  type MemoryHierarchy,
  RecordingImporter,
} from "../issuance/memory-hierarchy.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date("2026-06-01T08:00:00.000Z");
const at = (days: number) => () => new Date(T0.getTime() + days * DAY_MS);

let pki: MemoryHierarchy;
let shortLived: MemoryHierarchy;

beforeAll(async () => {
  [pki, shortLived] = await Promise.all([
    createMemoryHierarchy(),
    createMemoryHierarchy({ intermediateValidityDays: 100 }),
  ]);
});

function spkiOf(pem: string): string {
  return Buffer.from(inspectCertificate(pem).certificate.publicKey.rawData).toString("hex");
}

/** `openssl req -new -key <key>`: a CSR for a key the caller already holds. */
function csrForKey(keyPem: string, commonName: string): string {
  const result = runWithFiles(
    "openssl",
    (files) => ["req", "-new", "-key", files["key.pem"] as string, "-subj", `/O=Acme IoT/CN=${commonName}`],
    { "key.pem": keyPem },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe("renewCertificate", () => {
  it("renews a server certificate: same subject, SANs, issuer, key algorithm and EKU, a new key, the same lifetime, re-imported on the same ACM ARN", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const old = await issueServerCertificate(
      {
        fqdn: "broker.dev.example.com",
        issuer: "servers",
        subjectAltNames: [
          { type: "dns", value: "mqtt.dev.example.com" },
          { type: "ip", value: "10.0.0.5" },
        ],
        country: "SE",
        state: "Skane",
        organization: "Acme IoT",
        keyAlgorithm: "EC-P256",
        validityDays: 90,
      },
      repository,
      importer,
      { clock: at(0) },
    );
    const events = new CollectingEventPublisher();
    const renewed = await renewCertificate(
      { kind: "server", serialNumber: old.record.serial_number },
      repository,
      importer,
      { clock: at(60), events },
    );

    const before = inspectCertificate(old.record.certificate);
    const after = inspectCertificate(renewed.record.certificate);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.subject).toEqual({ C: ["SE"], ST: ["Skane"], O: ["Acme IoT"], CN: ["broker.dev.example.com"] });
    expect(after.subject).toEqual(before.subject);
    expect(after.subjectAltNames).toEqual(before.subjectAltNames);
    expect(after.issuer).toEqual(before.issuer);
    expect(after.authorityKeyId).toBe(before.authorityKeyId);
    expect(after.extendedKeyUsage).toEqual({ critical: false, usages: [SERVER_AUTH] });
    expect(after.publicKeyAlgorithm).toBe(before.publicKeyAlgorithm);
    expect(renewed.record.key_algorithm).toBe("EC-P256");
    expect(spkiOf(renewed.record.certificate)).not.toBe(spkiOf(old.record.certificate));
    expect(renewed.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(renewed.keyReused).toBe(false);
    // 90 days again, counted from the renewal.
    expect(after.notAfter.getTime()).toBe(at(60 + 90)().getTime());

    // ACM: the same ARN, the new certificate and its new key.
    expect(importer.requests).toHaveLength(2);
    const reimport = importer.requests[1]?.request;
    expect(reimport?.certificateArn).toBe(old.record.acm_certificate_arn);
    expect(reimport?.certificatePem).toBe(renewed.record.certificate);
    expect(reimport?.privateKeyPem).toBe(renewed.privateKeyPem);
    expect(renewed.record.acm_certificate_arn).toBe(old.record.acm_certificate_arn);
    expect(renewed.acmReimported).toBe(true);

    // Linked both ways.
    expect(renewed.record.renews).toBe(old.record.serial_number);
    const oldDetails = await getCertificate({ kind: "server", id: old.record.serial_number }, repository, {
      clock: at(60),
    });
    expect(oldDetails.renewedBy).toBe(renewed.record.serial_number);
    expect(oldDetails.status).toBe("valid");
    const newDetails = await getCertificate({ kind: "server", id: renewed.record.serial_number }, repository);
    expect(newDetails.record.renews).toBe(old.record.serial_number);
    expect(newDetails.renewedBy).toBeUndefined();
    expect(store.keys()).toContain(`renewals/server/${old.record.serial_number}~${renewed.record.serial_number}`);

    expect(events.events.map((event) => [event.detailType, event.detail])).toEqual([
      [
        DETAIL_TYPES.renewed,
        {
          kind: "server",
          serial_number: renewed.record.serial_number,
          fqdn: "broker.dev.example.com",
          subject_alt_names: ["broker.dev.example.com", "mqtt.dev.example.com", "10.0.0.5"],
          issuer: "servers",
          not_after: renewed.record.not_after,
          s3_folder: renewed.record.folder,
          acm_certificate_arn: old.record.acm_certificate_arn,
          renews: old.record.serial_number,
          acm_reimported: true,
        },
      ],
    ]);
  });

  it("renews a device certificate for validity_days, refusing (nothing written) or truncating one that outlives the issuer", async () => {
    const { repository, store } = copyOf(shortLived);
    const old = await issueDeviceCertificate(
      {
        deviceId: "sensor-1",
        issuer: "devices",
        keyAlgorithm: "Ed25519",
        validityDays: 30,
        subjectAltNames: [{ type: "url", value: "urn:dev:sensor-1" }],
      },
      repository,
      { clock: at(0) },
    );
    const importer = new RecordingImporter();
    const snapshot = store.snapshot();
    const refused = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, validityDays: 365 },
        repository,
        importer,
        {
          clock: at(20),
        },
      ),
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).field).toBe("validity_days");
    expect(store.snapshot()).toEqual(snapshot);

    const truncated = await renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number, validityDays: 365, validityBehavior: "truncate" },
      repository,
      importer,
      { clock: at(20) },
    );
    expect(truncated.record.not_after).toBe(shortLived.devices.record.not_after);
    const after = inspectCertificate(truncated.record.certificate);
    expect(after.subject).toEqual({ CN: ["sensor-1"] });
    expect(after.subjectAltNames?.names).toEqual([{ type: "url", value: "urn:dev:sensor-1" }]);
    expect(after.extendedKeyUsage?.usages).toEqual([CLIENT_AUTH]);
    expect(truncated.record.key_algorithm).toBe("Ed25519");
    expect(importer.requests).toEqual([]);
  });

  it("answers 404 for an unknown serial and 409 for a revoked or already renewed certificate, writing nothing", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const unknown = "0123456789abcdef0123456789abcdef";
    let snapshot = store.snapshot();
    const missing = await rejection(renewCertificate({ kind: "device", serialNumber: unknown }, repository, importer));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(store.snapshot()).toEqual(snapshot);

    const revoked = await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256" }, repository);
    await revokeCertificate({ kind: "device", id: revoked.record.serial_number, reason: "keyCompromise" }, repository);
    snapshot = store.snapshot();
    const refused = await rejection(
      renewCertificate({ kind: "device", serialNumber: revoked.record.serial_number }, repository, importer),
    );
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toMatch(/was revoked on .* \(keyCompromise\)/);
    expect(store.snapshot()).toEqual(snapshot);

    const old = await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256" }, repository);
    const first = await renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number },
      repository,
      importer,
    );
    snapshot = store.snapshot();
    const again = await rejection(
      renewCertificate({ kind: "device", serialNumber: old.record.serial_number }, repository, importer),
    );
    expect(again).toBeInstanceOf(ConflictError);
    expect(again.message).toContain(`already renewed by ${first.record.serial_number}`);
    expect(store.snapshot()).toEqual(snapshot);
    // A server serial asked for as a device is unknown as a device.
    const wrongKind = await rejection(
      renewCertificate({ kind: "server", serialNumber: old.record.serial_number }, repository, importer),
    );
    expect(wrongKind).toBeInstanceOf(NotFoundError);
  });

  it("reuse_key: certifies the key the service generated and keeps again, returns no key, and re-imports it into ACM", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const old = await issueServerCertificate(
      { fqdn: "gw.dev.example.com", issuer: "servers", keyAlgorithm: "RSA-2048" },
      repository,
      importer,
    );
    const renewed = await renewCertificate(
      { kind: "server", serialNumber: old.record.serial_number, reuseKey: true },
      repository,
      importer,
    );
    expect(spkiOf(renewed.record.certificate)).toBe(spkiOf(old.record.certificate));
    expect(renewed.keyReused).toBe(true);
    expect(renewed.privateKeyPem).toBeUndefined();
    expect(renewed.record.from_csr).toBeUndefined();
    expect(importer.requests[1]?.request).toMatchObject({
      certificateArn: old.record.acm_certificate_arn,
      privateKeyPem: old.privateKeyPem,
      certificatePem: renewed.record.certificate,
    });
    expect(store.body(`${renewed.record.folder}private_key.pem`)).toBe(old.privateKeyPem);
  });

  it("reuse_key is refused (400, nothing written) when the service does not keep the key", async () => {
    const { repository, store } = copyOf(pki);
    const old = await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256" }, repository);
    store.objects.delete(`${old.record.folder}private_key.pem`);
    const snapshot = store.snapshot();
    const refused = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, reuseKey: true },
        repository,
        new RecordingImporter(),
      ),
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).field).toBe("reuse_key");
    expect(refused.message).toContain("does not keep the key");
    expect(store.snapshot()).toEqual(snapshot);
  });

  it("signs a new CSR whose names are the old certificate's and whose key algorithm is kept; refuses others (nothing written)", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const first = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-7" });
    const old = await issueDeviceCertificate({ issuer: "devices", csr: first.csrPem }, repository);
    const snapshot = store.snapshot();

    const otherName = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-8" });
    const wrongName = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, csr: otherName.csrPem },
        repository,
        importer,
      ),
    );
    expect(wrongName).toBeInstanceOf(InvalidRequestError);
    expect((wrongName as InvalidRequestError).field).toBe("csr");
    expect(wrongName.message).toContain("sensor-8");

    const rsa = makeKeyAndCsr({ keyAlgorithm: "RSA-2048", commonName: "sensor-7" });
    const wrongAlgorithm = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, csr: rsa.csrPem },
        repository,
        importer,
      ),
    );
    expect(wrongAlgorithm).toBeInstanceOf(InvalidRequestError);
    expect(wrongAlgorithm.message).toContain("keeps the key algorithm");
    expect(store.snapshot()).toEqual(snapshot);

    const next = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-7" });
    const renewed = await renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number, csr: next.csrPem },
      repository,
      importer,
    );
    expect(renewed.record.from_csr).toBe(true);
    expect(renewed.privateKeyPem).toBeUndefined();
    expect(renewed.keyReused).toBe(false);
    expect(spkiOf(renewed.record.certificate)).not.toBe(spkiOf(old.record.certificate));
    expect(inspectCertificate(renewed.record.certificate).subject).toEqual({ CN: ["sensor-7"] });
  });

  it("a server certificate with an Ed25519 key (from a CSR) renews with a CSR only: ACM cannot import such a key", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const first = makeKeyAndCsr({ keyAlgorithm: "Ed25519", commonName: "ed.dev.example.com" });
    const old = await issueServerCertificate(
      { fqdn: "ed.dev.example.com", issuer: "servers", csr: first.csrPem },
      repository,
      importer,
    );
    const snapshot = store.snapshot();
    const refused = await rejection(
      renewCertificate({ kind: "server", serialNumber: old.record.serial_number }, repository, importer),
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).field).toBe("csr");
    expect(store.snapshot()).toEqual(snapshot);
    const next = makeKeyAndCsr({ keyAlgorithm: "Ed25519", commonName: "ed.dev.example.com" });
    const renewed = await renewCertificate(
      { kind: "server", serialNumber: old.record.serial_number, csr: next.csrPem },
      repository,
      importer,
    );
    expect(renewed.record.key_algorithm).toBe("Ed25519");
    expect(renewed.acmReimported).toBe(false);
    expect(importer.requests).toEqual([]);
  });

  it("reuse_key for a certificate issued for a CSR: only with a CSR made with that same key", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const device = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-9" });
    const old = await issueDeviceCertificate({ issuer: "devices", csr: device.csrPem }, repository);
    const snapshot = store.snapshot();

    const noCsr = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, reuseKey: true },
        repository,
        importer,
      ),
    );
    expect(noCsr).toBeInstanceOf(InvalidRequestError);
    expect(noCsr.message).toContain("never had its key");
    const otherKey = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-9" });
    const wrongKey = await rejection(
      renewCertificate(
        { kind: "device", serialNumber: old.record.serial_number, reuseKey: true, csr: otherKey.csrPem },
        repository,
        importer,
      ),
    );
    expect(wrongKey).toBeInstanceOf(InvalidRequestError);
    expect((wrongKey as InvalidRequestError).field).toBe("reuse_key");
    expect(store.snapshot()).toEqual(snapshot);

    const renewed = await renewCertificate(
      {
        kind: "device",
        serialNumber: old.record.serial_number,
        reuseKey: true,
        csr: csrForKey(device.keyPem, "sensor-9"),
      },
      repository,
      importer,
    );
    expect(renewed.keyReused).toBe(true);
    expect(spkiOf(renewed.record.certificate)).toBe(spkiOf(old.record.certificate));
  });

  it("revoke_previous: the old certificate is revoked as superseded and the CRL re-signed; events in order", async () => {
    const { repository } = copyOf(pki);
    const old = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "meter-1", keyAlgorithm: "EC-P256" },
      repository,
    );
    const events = new CollectingEventPublisher();
    const renewed = await renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number, revokePrevious: true },
      repository,
      new RecordingImporter(),
      { events },
    );
    expect(renewed.previousRevocation?.revocation).toMatchObject({
      serial_number: old.record.serial_number,
      reason: "superseded",
    });
    const crl = new X509Crl(renewed.previousRevocation?.crlPem as string);
    expect(crl.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([old.record.serial_number]);
    expect((await getCertificate({ kind: "device", id: old.record.serial_number }, repository)).status).toBe("revoked");
    expect((await getCertificate({ kind: "device", id: renewed.record.serial_number }, repository)).status).toBe(
      "valid",
    );
    expect(events.events.map((event) => [event.detailType, event.serialNumbers])).toEqual([
      [DETAIL_TYPES.renewed, [renewed.record.serial_number]],
      [DETAIL_TYPES.revoked, [old.record.serial_number]],
      [DETAIL_TYPES.crlPublished, []],
    ]);
    expect(events.events[1]?.detail).toMatchObject({ reason: "superseded", device_id: "meter-1" });
    expect(events.events[2]?.detail).toMatchObject({
      issuer_kind: "intermediate",
      issuer: "devices",
      revoked_count: 1,
    });
  });

  it("lets one of two renewals of the same certificate at once go ahead; the other is refused", async () => {
    const { repository, store } = copyOf(pki);
    const old = await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256" }, repository);
    const outcomes = await Promise.allSettled([
      renewCertificate({ kind: "device", serialNumber: old.record.serial_number }, repository, new RecordingImporter()),
      renewCertificate({ kind: "device", serialNumber: old.record.serial_number }, repository, new RecordingImporter()),
    ]);
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ConflictError);
    expect(store.keys().filter((key) => key.startsWith(`renewals/device/${old.record.serial_number}~`))).toHaveLength(
      1,
    );
    expect(store.keys().filter((key) => key.startsWith("inventory/device/"))).toHaveLength(2);
  });

  it("releases its claim when issuing fails (ACM down): nothing linked or listed, and a retry renews", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const old = await issueServerCertificate({ fqdn: "edge.dev.example.com", issuer: "servers" }, repository, importer);
    importer.failWith = new Error("ACM is down");
    const failed = await rejection(
      renewCertificate({ kind: "server", serialNumber: old.record.serial_number }, repository, importer),
    );
    expect(failed.name).toBe("DependencyError");
    expect(store.keys().filter((key) => key.startsWith("renewals/"))).toEqual([]);
    expect(store.keys().filter((key) => key.startsWith("inventory/server/"))).toHaveLength(1);
    importer.failWith = undefined;
    const renewed = await renewCertificate(
      { kind: "server", serialNumber: old.record.serial_number },
      repository,
      importer,
    );
    expect(renewed.acmReimported).toBe(true);
  });
});
