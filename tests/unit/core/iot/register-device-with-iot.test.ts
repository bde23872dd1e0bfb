/**
 * Device certificates registered with AWS IoT Core as they are issued, on
 * LocalIotRegistry (IoT's stand-in, checking what IoT checks) and the
 * in-memory store: refused before anything is written when the issuer is
 * not registered; registered with or without the CA; thing and policy
 * attached; a failed IoT step leaves the certificate stored and says which
 * step, and the retry registers once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, IotServiceError, NotFoundError } from "../../../../src/core/errors.js";
import { iotCertificateId } from "../../../../src/core/iot/iot-certificate-id.js";
import { registerStoredDeviceWithIot } from "../../../../src/core/iot/register-device-with-iot.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { revokeCertificate } from "../../../../src/core/revocation/revoke-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "../issuance/memory-hierarchy.js";
import { type IotFixture, iotOn, registerIntermediate, sha256Fingerprint, unavailable } from "./iot-fixtures.js";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

/** A copy of the hierarchy with IoT on its store; `devices` registered with IoT unless told otherwise. */
async function setUp(options: { registerDevicesCa?: boolean } = {}): Promise<MemoryHierarchy & { iot: IotFixture }> {
  const local = copyOf(pki);
  const iot = iotOn(local.store);
  if (options.registerDevicesCa ?? true) await registerIntermediate(iot, "devices", pki.devices.record.certificate);
  local.store.clearOperations();
  return { ...local, iot };
}

const REQUEST = { issuer: "devices", keyAlgorithm: "EC-P256" as const };

describe("issueDeviceCertificate with iot", () => {
  it("refuses with 409 before anything is written when the issuing intermediate is not registered with IoT", async () => {
    const { store, repository, iot } = await setUp({ registerDevicesCa: false });
    const before = store.snapshot();
    const refused = await issueDeviceCertificate(
      { ...REQUEST, deviceId: "sensor-1", iot: { thingName: "sensor-1" } },
      repository,
      { iot: iot.context },
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).field).toBe("issuer");
    expect((refused as Error).message).toContain("POST /certificates/intermediate/devices/iot-registration");
    expect((refused as Error).message).toContain('"without_ca": true');
    expect(store.snapshot()).toEqual(before);
    expect(store.createdKeys()).toEqual([]);
    expect(iot.registry.calls).toEqual([]);
  });

  it("answers the usual 404 for a missing issuer, not the IoT 409", async () => {
    const { repository, iot } = await setUp({ registerDevicesCa: false });
    await expect(
      issueDeviceCertificate({ ...REQUEST, issuer: "nope", iot: {} }, repository, { iot: iot.context }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("registers with RegisterCertificate and the issuing intermediate's PEM, ACTIVE, and records the registration", async () => {
    const { store, repository, iot } = await setUp();
    const issued = await issueDeviceCertificate({ ...REQUEST, deviceId: "sensor-1", iot: {} }, repository, {
      iot: iot.context,
    });
    const id = sha256Fingerprint(issued.record.certificate);
    expect(iotCertificateId(issued.record.certificate)).toBe(id);
    expect(issued.iot).toMatchObject({ registered: true, created: true });
    expect(iot.registry.callsOf("registerCertificate").map((call) => call.args[0])).toEqual([
      {
        certificatePem: issued.record.certificate,
        caCertificatePem: pki.devices.record.certificate,
        status: "ACTIVE",
      },
    ]);
    // What IoT (the stand-in) now holds: this certificate, under the devices CA, ACTIVE.
    const held = JSON.parse(store.body(`iot/certificates/${id}.json`));
    expect(held).toMatchObject({
      certificate_pem: issued.record.certificate,
      ca_certificate_id: sha256Fingerprint(pki.devices.record.certificate),
      status: "ACTIVE",
    });
    expect(await iot.local.certificateStatus(id)).toBe("ACTIVE");
    const registration = await iot.records.findDevice(issued.record.serial_number);
    expect(registration).toEqual({
      serial_number: issued.record.serial_number,
      iot_certificate_id: id,
      iot_certificate_arn: `arn:aws:iot:local:000000000000:cert/${id}`,
      registered: "with_ca",
      registered_at: expect.any(String),
    });
    expect(issued.iot?.registered && issued.iot.registration).toEqual(registration);
    // The certificate is stored before IoT hears of it; the registration record comes after IoT answered.
    const created = store.createdKeys();
    expect(created.indexOf(`${issued.record.folder}certificate.json`)).toBeLessThan(
      created.indexOf(`iot/certificates/${id}.json`),
    );
    expect(created.at(-1)).toBe(`iot_registrations/device/${issued.record.serial_number}.json`);
  });

  it("registers with RegisterCertificateWithoutCA for an issuer IoT does not know", async () => {
    const { store, repository, iot } = await setUp({ registerDevicesCa: false });
    const issued = await issueDeviceCertificate({ ...REQUEST, iot: { withoutCa: true } }, repository, {
      iot: iot.context,
    });
    const id = sha256Fingerprint(issued.record.certificate);
    expect(iot.registry.callsOf("registerCertificate").map((call) => call.args[0])).toEqual([
      { certificatePem: issued.record.certificate, caCertificatePem: undefined, status: "ACTIVE" },
    ]);
    const held = JSON.parse(store.body(`iot/certificates/${id}.json`));
    expect(held.ca_certificate_id).toBeUndefined();
    expect(held.certificate_mode).toBe("SNI_ONLY");
    expect((await iot.records.findDevice(issued.record.serial_number))?.registered).toBe("without_ca");
  });

  it("creates the thing, attaches the certificate to it and attaches the policy", async () => {
    const { store, repository, iot } = await setUp();
    const issued = await issueDeviceCertificate(
      { ...REQUEST, deviceId: "sensor-7", iot: { thingName: "sensor-7", policyName: "DevicePolicy" } },
      repository,
      { iot: iot.context },
    );
    const id = sha256Fingerprint(issued.record.certificate);
    const arn = `arn:aws:iot:local:000000000000:cert/${id}`;
    expect(
      iot.registry.calls.map((call) => [call.method, ...call.args.filter((arg) => typeof arg === "string")]),
    ).toEqual([
      ["registerCertificate"],
      ["ensureThing", "sensor-7"],
      ["attachThingPrincipal", "sensor-7", arn],
      ["attachPolicy", "DevicePolicy", arn],
    ]);
    expect(store.body("iot/things/sensor-7.json")).toContain('"thing_name": "sensor-7"');
    expect(JSON.parse(store.body(`iot/thing_principals/sensor-7/${id}.json`)).principal).toBe(arn);
    expect(JSON.parse(store.body(`iot/policy_principals/DevicePolicy/${id}.json`)).target).toBe(arn);
    expect(await iot.records.findDevice(issued.record.serial_number)).toMatchObject({
      thing_name: "sensor-7",
      policy_name: "DevicePolicy",
    });
  });

  it("keeps the certificate when an IoT step fails after storage, says which step, and the retry completes without registering twice", async () => {
    const { store, repository, iot } = await setUp();
    iot.registry.fail = (call) =>
      call.method === "attachThingPrincipal"
        ? { error: new IotServiceError("ThrottlingException", "Rate exceeded"), when: "before" }
        : undefined;
    const issued = await issueDeviceCertificate(
      { ...REQUEST, deviceId: "sensor-8", iot: { thingName: "sensor-8", policyName: "DevicePolicy" } },
      repository,
      { iot: iot.context },
    );
    const id = sha256Fingerprint(issued.record.certificate);
    expect(issued.iot).toMatchObject({
      registered: false,
      failedStep: "attach_thing_principal",
      certificate: { certificateId: id, certificateArn: `arn:aws:iot:local:000000000000:cert/${id}` },
      options: { thingName: "sensor-8", policyName: "DevicePolicy" },
    });
    expect(issued.iot?.registered === false && issued.iot.error.message).toBe("Rate exceeded");
    // The certificate is stored and listed; IoT holds it, the thing has no principal, no policy is attached.
    expect(await repository.findLeaf("device", issued.record.serial_number)).toEqual(issued.record);
    expect(store.keys().filter((key) => key.startsWith("iot/thing_principals/"))).toEqual([]);
    expect(store.keys().filter((key) => key.startsWith("iot/policy_principals/"))).toEqual([]);

    iot.registry.fail = undefined;
    const retried = await registerStoredDeviceWithIot(
      { serialNumber: issued.record.serial_number, options: {} },
      repository,
      iot.context,
    );
    expect(retried.outcome).toBe("completed");
    expect(retried.registration).toMatchObject({ iot_certificate_id: id, thing_name: "sensor-8" });
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(1);
    expect(store.keys().filter((key) => key.startsWith("iot/certificates/"))).toEqual([`iot/certificates/${id}.json`]);
    expect(store.keys()).toContain(`iot/thing_principals/sensor-8/${id}.json`);
    expect(store.keys()).toContain(`iot/policy_principals/DevicePolicy/${id}.json`);
  });

  it("recovers a registration whose answer was lost: IoT's ResourceAlreadyExistsException names it, and it is not registered again", async () => {
    const { store, repository, iot } = await setUp();
    // IoT registered the certificate, but the function never heard back.
    iot.registry.fail = (call) =>
      call.method === "registerCertificate" ? { error: unavailable("RegisterCertificate"), when: "after" } : undefined;
    const issued = await issueDeviceCertificate(
      { ...REQUEST, deviceId: "sensor-9", iot: { thingName: "sensor-9" } },
      repository,
      { iot: iot.context },
    );
    expect(issued.iot).toMatchObject({ registered: false, failedStep: "register_certificate", certificate: undefined });
    expect(await iot.records.findDevice(issued.record.serial_number)).toBeUndefined();

    iot.registry.fail = undefined;
    const retried = await registerStoredDeviceWithIot(
      { serialNumber: issued.record.serial_number, options: { thingName: "sensor-9" } },
      repository,
      iot.context,
    );
    const id = sha256Fingerprint(issued.record.certificate);
    expect(retried.outcome).toBe("registered");
    expect(retried.registration).toMatchObject({
      iot_certificate_id: id,
      iot_certificate_arn: `arn:aws:iot:local:000000000000:cert/${id}`,
      thing_name: "sensor-9",
    });
    // Two RegisterCertificate calls, one certificate in IoT: the second was refused as existing, and adopted.
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(2);
    expect(store.keys().filter((key) => key.startsWith("iot/certificates/"))).toEqual([`iot/certificates/${id}.json`]);
    expect(store.keys()).toContain(`iot/thing_principals/sensor-9/${id}.json`);

    // A third call finds the record and never calls RegisterCertificate again.
    const again = await registerStoredDeviceWithIot(
      { serialNumber: issued.record.serial_number, options: {} },
      repository,
      iot.context,
    );
    expect(again.outcome).toBe("completed");
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(2);
  });
});

describe("registerStoredDeviceWithIot (POST /certificates/device/{serial}/iot-registration)", () => {
  it("registers a device certificate issued without iot", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate({ ...REQUEST, deviceId: "sensor-10" }, repository, {
      iot: iot.context,
    });
    expect(issued.iot).toBeUndefined();
    expect(iot.registry.calls).toEqual([]);
    const registered = await registerStoredDeviceWithIot(
      { serialNumber: issued.record.serial_number, options: { policyName: "DevicePolicy" } },
      repository,
      iot.context,
    );
    expect(registered.outcome).toBe("registered");
    expect(await iot.local.certificateStatus(sha256Fingerprint(issued.record.certificate))).toBe("ACTIVE");
  });

  it("refuses options other than those recorded (409), an unknown serial (404), an unregistered issuer (409)", async () => {
    const { store, repository, iot } = await setUp();
    const issued = await issueDeviceCertificate({ ...REQUEST, iot: { thingName: "thing-a" } }, repository, {
      iot: iot.context,
    });
    const serialNumber = issued.record.serial_number;
    const conflict = await registerStoredDeviceWithIot(
      { serialNumber, options: { thingName: "thing-b" } },
      repository,
      iot.context,
    ).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).field).toBe("thing_name");
    expect((conflict as Error).message).toContain("thing 'thing-a'");
    await expect(
      registerStoredDeviceWithIot({ serialNumber, options: { withoutCa: true } }, repository, iot.context),
    ).rejects.toMatchObject({ name: "ConflictError", field: "without_ca" });
    await expect(
      registerStoredDeviceWithIot({ serialNumber: "0".repeat(32), options: {} }, repository, iot.context),
    ).rejects.toBeInstanceOf(NotFoundError);

    const other = await setUp({ registerDevicesCa: false });
    const plain = await issueDeviceCertificate(REQUEST, other.repository);
    other.store.clearOperations();
    await expect(
      registerStoredDeviceWithIot(
        { serialNumber: plain.record.serial_number, options: {} },
        other.repository,
        other.iot.context,
      ),
    ).rejects.toMatchObject({ name: "ConflictError", field: "issuer" });
    expect(other.store.createdKeys()).toEqual([]);
    expect(store.keys().filter((key) => key.startsWith("iot/certificates/"))).toHaveLength(1);
  });

  it("names the failed step in IoT's error, keeping IoT's code", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate(REQUEST, repository);
    iot.registry.fail = (call) =>
      call.method === "attachPolicy"
        ? { error: new IotServiceError("ResourceNotFoundException", "policy NoSuchPolicy not found"), when: "before" }
        : undefined;
    const failed = await registerStoredDeviceWithIot(
      { serialNumber: issued.record.serial_number, options: { policyName: "NoSuchPolicy" } },
      repository,
      iot.context,
    ).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(IotServiceError);
    expect((failed as IotServiceError).code).toBe("ResourceNotFoundException");
    expect((failed as Error).message).toBe("AWS IoT Core step attach_policy failed: policy NoSuchPolicy not found");
  });
});

describe("revocation of a device certificate registered with IoT", () => {
  it("sets its IoT certificate REVOKED as well", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate({ ...REQUEST, iot: {} }, repository, { iot: iot.context });
    const id = sha256Fingerprint(issued.record.certificate);
    const revoked = await revokeCertificate(
      { kind: "device", id: issued.record.serial_number, reason: "keyCompromise" },
      repository,
      { iot: iot.context },
    );
    expect(revoked.iot).toMatchObject({ updated: true, registration: { iot_certificate_id: id } });
    expect(iot.registry.callsOf("updateCertificateStatus").map((call) => call.args)).toEqual([[id, "REVOKED"]]);
    expect(await iot.local.certificateStatus(id)).toBe("REVOKED");
  });

  it("makes no IoT call for a device certificate IoT does not hold", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate(REQUEST, repository);
    const revoked = await revokeCertificate({ kind: "device", id: issued.record.serial_number }, repository, {
      iot: iot.context,
    });
    expect(revoked.iot).toBeUndefined();
    expect(iot.registry.calls).toEqual([]);
  });

  it("keeps the revocation when IoT fails, says so, and the IoT status is set by the iot-registration retry", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate({ ...REQUEST, iot: {} }, repository, { iot: iot.context });
    const serialNumber = issued.record.serial_number;
    const id = sha256Fingerprint(issued.record.certificate);
    iot.registry.fail = (call) =>
      call.method === "updateCertificateStatus"
        ? { error: unavailable("UpdateCertificate"), when: "before" }
        : undefined;
    const revoked = await revokeCertificate({ kind: "device", id: serialNumber }, repository, { iot: iot.context });
    expect(revoked.iot).toMatchObject({ updated: false, registration: { iot_certificate_id: id } });
    expect(revoked.iot?.error?.message).toContain("UpdateCertificate");
    expect(await repository.findRevocation({ kind: "intermediate", name: "devices" }, serialNumber)).toBeDefined();
    expect(revoked.crlPem).toContain("BEGIN X509 CRL");
    expect(await iot.local.certificateStatus(id)).toBe("ACTIVE");

    // Revoking again is still a 409; its message says how to set the IoT status.
    const again = await revokeCertificate({ kind: "device", id: serialNumber }, repository, {
      iot: iot.context,
    }).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as Error).message).toContain(`POST /certificates/device/${serialNumber}/iot-registration`);

    iot.registry.fail = undefined;
    const synced = await registerStoredDeviceWithIot({ serialNumber, options: {} }, repository, iot.context);
    expect(synced.outcome).toBe("revoked");
    expect(await iot.local.certificateStatus(id)).toBe("REVOKED");
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(1);
  });

  it("refuses to register a revoked certificate IoT never held (409)", async () => {
    const { repository, iot } = await setUp();
    const issued = await issueDeviceCertificate(REQUEST, repository);
    await revokeCertificate({ kind: "device", id: issued.record.serial_number }, repository, { iot: iot.context });
    await expect(
      registerStoredDeviceWithIot({ serialNumber: issued.record.serial_number, options: {} }, repository, iot.context),
    ).rejects.toMatchObject({ name: "ConflictError", field: "serial_number" });
    expect(iot.registry.calls).toEqual([]);
  });
});
