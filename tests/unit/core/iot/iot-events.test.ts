/**
 * Events of device certificates that AWS IoT Core holds name IoT's
 * certificate (id, ARN, also in `resources`) and its thing, so a rule can act
 * on the IoT side without a lookup: issued alone or in a batch, renewed and
 * revoked. A certificate IoT did not take (a failed step) is announced
 * without them. On LocalIotRegistry and the in-memory store.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { IotServiceError } from "../../../../src/core/errors.js";
import { CollectingEventPublisher } from "../../../../src/core/events/certificate-events.js";
import { issueDeviceBatch } from "../../../../src/core/issuance/issue-device-batch.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { renewCertificate } from "../../../../src/core/lifecycle/renew-certificate.js";
import { revokeCertificate } from "../../../../src/core/revocation/revoke-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "../issuance/memory-hierarchy.js";
import { type IotFixture, iotOn, registerIntermediate, sha256Fingerprint } from "./iot-fixtures.js";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

async function setUp(): Promise<MemoryHierarchy & { iot: IotFixture; events: CollectingEventPublisher }> {
  const local = copyOf(pki);
  const iot = iotOn(local.store);
  await registerIntermediate(iot, "devices", pki.devices.record.certificate);
  return { ...local, iot, events: new CollectingEventPublisher() };
}

const arnOf = (id: string) => `arn:aws:iot:local:000000000000:cert/${id}`;

describe("certificate events of devices registered with AWS IoT Core", () => {
  it("Certificate Issued names IoT's certificate and thing; without iot, or when IoT refused it, they are absent", async () => {
    const { repository, iot, events } = await setUp();
    const context = { iot: iot.context, events };
    const registered = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "pump-1", keyAlgorithm: "EC-P256", iot: { thingName: "pump-1" } },
      repository,
      context,
    );
    const plain = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "pump-2", keyAlgorithm: "EC-P256" },
      repository,
      context,
    );
    iot.registry.fail = (call) =>
      call.method === "registerCertificate"
        ? { error: new IotServiceError("CertificateValidationException", "refused"), when: "before" }
        : undefined;
    const refused = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "pump-3", keyAlgorithm: "EC-P256", iot: {} },
      repository,
      context,
    );
    expect(refused.iot).toMatchObject({ registered: false, failedStep: "register_certificate" });

    const id = sha256Fingerprint(registered.record.certificate);
    expect(events.events.map((event) => event.detailType)).toEqual([
      "Certificate Issued",
      "Certificate Issued",
      "Certificate Issued",
    ]);
    const [first, second, third] = events.events;
    expect(first?.detail).toMatchObject({
      device_id: "pump-1",
      serial_number: registered.record.serial_number,
      iot_certificate_id: id,
      iot_certificate_arn: arnOf(id),
      iot_thing_name: "pump-1",
    });
    expect(first?.resources).toEqual([arnOf(id)]);
    for (const [event, record] of [
      [second, plain.record],
      [third, refused.record],
    ] as const) {
      expect(event?.detail).toMatchObject({ serial_number: record.serial_number });
      expect(Object.keys(event?.detail ?? {}).filter((field) => field.startsWith("iot_"))).toEqual([]);
      expect(event?.resources).toEqual([]);
    }
  });

  it("a batch's events name each registered device's IoT certificate, and only those", async () => {
    const { repository, iot, events } = await setUp();
    const results = await issueDeviceBatch(
      {
        issuer: "devices",
        keyAlgorithm: "EC-P256",
        iot: { policyName: "FleetPolicy" },
        devices: [
          { deviceId: "fan-1" },
          { deviceId: "fan-2", iot: { thingName: "fan-2" } },
          { deviceId: "fan-3", iot: null },
        ],
      },
      repository,
      { iot: iot.context, events },
    );
    const records = results.map((result) => (result.ok ? result.issued.record : undefined));
    expect(events.events).toHaveLength(3);
    const bySerial = new Map(events.events.map((event) => [event.serialNumbers[0], event]));
    const [fan1, fan2, fan3] = records.map((record) => bySerial.get(record?.serial_number));
    const id1 = sha256Fingerprint(records[0]?.certificate ?? "");
    const id2 = sha256Fingerprint(records[1]?.certificate ?? "");
    expect(fan1?.detail).toMatchObject({
      device_id: "fan-1",
      iot_certificate_id: id1,
      iot_certificate_arn: arnOf(id1),
    });
    expect(fan1?.detail).not.toHaveProperty("iot_thing_name");
    expect(fan1?.resources).toEqual([arnOf(id1)]);
    expect(fan2?.detail).toMatchObject({ device_id: "fan-2", iot_certificate_id: id2, iot_thing_name: "fan-2" });
    expect(fan3?.detail).toMatchObject({ device_id: "fan-3" });
    expect(fan3?.detail).not.toHaveProperty("iot_certificate_id");
    expect(fan3?.resources).toEqual([]);
  });

  it("Certificate Renewed names the new IoT certificate; Certificate Revoked (revoke_previous) the old one", async () => {
    const { repository, iot, events } = await setUp();
    const old = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "lamp-9", keyAlgorithm: "EC-P256", iot: { thingName: "lamp-9" } },
      repository,
      { iot: iot.context },
    );
    const renewed = await renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number, revokePrevious: true },
      repository,
      { importCertificate: () => Promise.reject(new Error("not imported")) },
      { iot: iot.context, events },
    );
    const oldId = sha256Fingerprint(old.record.certificate);
    const newId = sha256Fingerprint(renewed.record.certificate);
    expect(events.events.map((event) => event.detailType)).toEqual([
      "Certificate Renewed",
      "Certificate Revoked",
      "CRL Published",
    ]);
    const [renewedEvent, revokedEvent] = events.events;
    expect(renewedEvent?.detail).toMatchObject({
      serial_number: renewed.record.serial_number,
      renews: old.record.serial_number,
      iot_certificate_id: newId,
      iot_thing_name: "lamp-9",
    });
    expect(renewedEvent?.resources).toEqual([arnOf(newId)]);
    expect(revokedEvent?.detail).toMatchObject({
      serial_number: old.record.serial_number,
      reason: "superseded",
      iot_certificate_id: oldId,
      iot_certificate_arn: arnOf(oldId),
    });
    expect(revokedEvent?.resources).toEqual([arnOf(oldId)]);
  });

  it("Certificate Revoked of a device IoT never held carries no IoT fields", async () => {
    const { repository, iot, events } = await setUp();
    const issued = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "lamp-10", keyAlgorithm: "EC-P256" },
      repository,
    );
    await revokeCertificate({ kind: "device", id: issued.record.serial_number }, repository, {
      iot: iot.context,
      events,
    });
    const revoked = events.events.find((event) => event.detailType === "Certificate Revoked");
    expect(revoked?.detail).toMatchObject({ serial_number: issued.record.serial_number });
    expect(Object.keys(revoked?.detail ?? {}).filter((field) => field.startsWith("iot_"))).toEqual([]);
  });
});
