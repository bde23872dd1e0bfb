/**
 * Renewing a device certificate that AWS IoT Core holds, on LocalIotRegistry
 * (IoT's stand-in, checking what IoT checks) and the in-memory store: the new
 * certificate is registered as the old one was (with or without its CA, the
 * same thing and policy, ACTIVE) once it is stored and linked; the old one
 * stays ACTIVE unless revoke_previous sets it REVOKED; `registerWithIot: false`
 * skips it; a failed IoT step leaves the renewal done and is finished once by
 * the retry; what cannot be done is refused before anything is written.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, IotServiceError } from "../../../../src/core/errors.js";
import type { IotDeviceRegistrationOptions } from "../../../../src/core/iot/register-device-with-iot.js";
import { registerStoredDeviceWithIot } from "../../../../src/core/iot/register-device-with-iot.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { renewCertificate } from "../../../../src/core/lifecycle/renew-certificate.js";
import type { CertificateImporter } from "../../../../src/core/ports.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "../issuance/memory-hierarchy.js";
import { type IotFixture, iotOn, registerIntermediate, sha256Fingerprint, unavailable } from "./iot-fixtures.js";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

const NO_IMPORTER: CertificateImporter = {
  importCertificate: () => Promise.reject(new Error("device certificates are not imported into ACM")),
};

const arnOf = (id: string) => `arn:aws:iot:local:000000000000:cert/${id}`;

/**
 * A copy of the hierarchy with IoT on its store (`devices` registered there) and
 * one device certificate issued with `iot` (`null`: issued without).
 */
async function setUp(iot: IotDeviceRegistrationOptions | null = { thingName: "lamp-1", policyName: "LampPolicy" }) {
  const local = copyOf(pki);
  const fixture = iotOn(local.store);
  await registerIntermediate(fixture, "devices", pki.devices.record.certificate);
  const old = await issueDeviceCertificate(
    { issuer: "devices", deviceId: "lamp-1", keyAlgorithm: "EC-P256", iot: iot ?? undefined },
    local.repository,
    { iot: fixture.context },
  );
  fixture.registry.calls.length = 0;
  local.store.clearOperations();
  const renew = (request: { revokePrevious?: boolean; registerWithIot?: boolean } = {}) =>
    renewCertificate(
      { kind: "device", serialNumber: old.record.serial_number, ...request },
      local.repository,
      NO_IMPORTER,
      { iot: fixture.context },
    );
  return { ...local, iot: fixture, old, oldId: sha256Fingerprint(old.record.certificate), renew };
}

/** The IoT calls made, with their string arguments. */
function callsIn(iot: IotFixture): unknown[][] {
  return iot.registry.calls.map((call) => [call.method, ...call.args.filter((arg) => typeof arg === "string")]);
}

describe("renewCertificate of a device certificate registered with AWS IoT Core", () => {
  it("registers the new certificate as the old one was: with its CA, the same thing and policy, ACTIVE; the old one stays ACTIVE", async () => {
    const { store, iot, old, oldId, renew } = await setUp();
    const renewed = await renew();
    const newId = sha256Fingerprint(renewed.record.certificate);
    expect(newId).not.toBe(oldId);

    expect(iot.registry.callsOf("registerCertificate").map((call) => call.args[0])).toEqual([
      {
        certificatePem: renewed.record.certificate,
        caCertificatePem: pki.devices.record.certificate,
        status: "ACTIVE",
      },
    ]);
    expect(callsIn(iot)).toEqual([
      ["registerCertificate"],
      ["ensureThing", "lamp-1"],
      ["attachThingPrincipal", "lamp-1", arnOf(newId)],
      ["attachPolicy", "LampPolicy", arnOf(newId)],
    ]);
    expect(renewed.iot).toMatchObject({ registered: true, created: true });
    const registration = await iot.records.findDevice(renewed.record.serial_number);
    expect(registration).toEqual({
      serial_number: renewed.record.serial_number,
      iot_certificate_id: newId,
      iot_certificate_arn: arnOf(newId),
      registered: "with_ca",
      thing_name: "lamp-1",
      policy_name: "LampPolicy",
      registered_at: expect.any(String),
    });
    expect(renewed.iot?.registered && renewed.iot.registration).toEqual(registration);

    // What IoT (the stand-in) holds: both certificates ACTIVE, under the devices CA, on the same thing and policy.
    expect(await iot.local.certificateStatus(newId)).toBe("ACTIVE");
    expect(await iot.local.certificateStatus(oldId)).toBe("ACTIVE");
    expect(JSON.parse(store.body(`iot/certificates/${newId}.json`))).toMatchObject({
      certificate_pem: renewed.record.certificate,
      ca_certificate_id: sha256Fingerprint(pki.devices.record.certificate),
    });
    for (const id of [oldId, newId]) {
      expect(JSON.parse(store.body(`iot/thing_principals/lamp-1/${id}.json`)).principal).toBe(arnOf(id));
      expect(JSON.parse(store.body(`iot/policy_principals/LampPolicy/${id}.json`)).target).toBe(arnOf(id));
    }
    // The old registration is left as it was.
    expect((await iot.records.findDevice(old.record.serial_number))?.iot_certificate_id).toBe(oldId);

    // Stored and linked before IoT hears of the new certificate; recorded once IoT holds it, before the thing and policy.
    const created = store.createdKeys();
    const link = created.findIndex((key) => key.startsWith(`renewals/device/${old.record.serial_number}~`));
    expect(created.indexOf(`${renewed.record.folder}certificate.json`)).toBeLessThan(link);
    expect(link).toBeGreaterThanOrEqual(0);
    expect(link).toBeLessThan(created.indexOf(`iot/certificates/${newId}.json`));
    const recorded = created.indexOf(`iot_registrations/device/${renewed.record.serial_number}.json`);
    expect(recorded).toBeGreaterThan(created.indexOf(`iot/certificates/${newId}.json`));
    expect(recorded).toBeLessThan(created.indexOf(`iot/thing_principals/lamp-1/${newId}.json`));
  });

  it("follows a registration without the CA (RegisterCertificateWithoutCA), and one with no thing or policy", async () => {
    const { iot, renew } = await setUp({ withoutCa: true });
    const renewed = await renew();
    expect(iot.registry.callsOf("registerCertificate").map((call) => call.args[0])).toEqual([
      { certificatePem: renewed.record.certificate, caCertificatePem: undefined, status: "ACTIVE" },
    ]);
    expect(callsIn(iot)).toEqual([["registerCertificate"]]);
    expect(await iot.records.findDevice(renewed.record.serial_number)).toMatchObject({ registered: "without_ca" });
    expect(renewed.iot?.registered && renewed.iot.registration.thing_name).toBeUndefined();
  });

  it("revoke_previous: the old IoT certificate is set REVOKED, the new one is ACTIVE", async () => {
    const { iot, oldId, renew } = await setUp();
    const renewed = await renew({ revokePrevious: true });
    const newId = sha256Fingerprint(renewed.record.certificate);
    expect(renewed.previousRevocation?.revocation.reason).toBe("superseded");
    expect(renewed.previousRevocation?.iot).toMatchObject({
      updated: true,
      registration: { iot_certificate_id: oldId },
    });
    expect(await iot.local.certificateStatus(oldId)).toBe("REVOKED");
    expect(await iot.local.certificateStatus(newId)).toBe("ACTIVE");
    // The new certificate is registered before the old one is revoked: the device always has one IoT accepts.
    expect(callsIn(iot).map(([method]) => method)).toEqual([
      "registerCertificate",
      "ensureThing",
      "attachThingPrincipal",
      "attachPolicy",
      "updateCertificateStatus",
    ]);
    expect(iot.registry.callsOf("updateCertificateStatus")[0]?.args).toEqual([oldId, "REVOKED"]);
  });

  it('"registerWithIot: false" renews without registering; revoke_previous still sets the old one REVOKED', async () => {
    const { store, iot, oldId, renew } = await setUp();
    const renewed = await renew({ registerWithIot: false, revokePrevious: true });
    expect(renewed.iot).toBeUndefined();
    expect(iot.registry.callsOf("registerCertificate")).toEqual([]);
    expect(await iot.records.findDevice(renewed.record.serial_number)).toBeUndefined();
    expect(store.keys().filter((key) => key.startsWith("iot/certificates/"))).toEqual([
      `iot/certificates/${oldId}.json`,
    ]);
    expect(await iot.local.certificateStatus(oldId)).toBe("REVOKED");
  });

  it("leaves IoT alone for a certificate IoT does not hold; registerWithIot: true is then a 409 with nothing written", async () => {
    const { store, iot, old, renew } = await setUp(null);
    const renewed = await renew();
    expect(renewed.iot).toBeUndefined();
    expect(iot.registry.calls).toEqual([]);

    const { store: other, iot: otherIot, renew: renewOther } = await setUp(null);
    const before = other.snapshot();
    const refused = await renewOther({ registerWithIot: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).field).toBe("iot");
    expect((refused as Error).message).toContain("is not registered with AWS IoT Core");
    expect((refused as Error).message).toContain("/iot-registration");
    expect(other.snapshot()).toEqual(before);
    expect(otherIot.registry.calls).toEqual([]);
    expect(store.keys()).toContain(`renewals/device/${old.record.serial_number}~${renewed.record.serial_number}`);
  });

  it("an IoT failure after storage: the renewal stands, iot says which step; the retry registers the new certificate once", async () => {
    const { repository, store, iot, old, renew } = await setUp();
    iot.registry.fail = (call) =>
      call.method === "registerCertificate" ? { error: unavailable("RegisterCertificate"), when: "after" } : undefined;
    const renewed = await renew();
    const newId = sha256Fingerprint(renewed.record.certificate);
    expect(renewed.iot).toMatchObject({
      registered: false,
      failedStep: "register_certificate",
      options: { thingName: "lamp-1", policyName: "LampPolicy", withoutCa: false },
    });
    // The renewal is done: stored, linked; IoT took the certificate but its answer was lost, so nothing is recorded.
    expect(store.keys()).toContain(`${renewed.record.folder}certificate.json`);
    expect(await repository.findRenewal("device", old.record.serial_number)).toBe(renewed.record.serial_number);
    expect(await iot.records.findDevice(renewed.record.serial_number)).toBeUndefined();

    iot.registry.fail = undefined;
    const options = renewed.iot?.registered === false ? renewed.iot.options : {};
    const retried = await registerStoredDeviceWithIot(
      { serialNumber: renewed.record.serial_number, options },
      repository,
      iot.context,
    );
    // IoT answered ResourceAlreadyExistsException: the certificate it holds is adopted, not registered again.
    expect(retried.outcome).toBe("registered");
    expect(retried.registration).toMatchObject({ iot_certificate_id: newId, thing_name: "lamp-1" });
    const again = await registerStoredDeviceWithIot(
      { serialNumber: renewed.record.serial_number, options },
      repository,
      iot.context,
    );
    expect(again.outcome).toBe("completed");
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(2);
    expect(store.keys().filter((key) => key.startsWith("iot/certificates/"))).toHaveLength(2); // old and new
    expect(await iot.local.certificateStatus(newId)).toBe("ACTIVE");
    expect(JSON.parse(store.body(`iot/thing_principals/lamp-1/${newId}.json`)).principal).toBe(arnOf(newId));
  });

  it("revoke_previous when the new certificate's registration failed: revoked here, left ACTIVE in IoT until the retries", async () => {
    const { repository, iot, old, oldId, renew } = await setUp();
    iot.registry.fail = (call) =>
      call.method === "attachThingPrincipal"
        ? { error: unavailable("AttachThingPrincipal"), when: "before" }
        : undefined;
    const renewed = await renew({ revokePrevious: true });
    const newId = sha256Fingerprint(renewed.record.certificate);
    expect(renewed.iot).toMatchObject({ registered: false, failedStep: "attach_thing_principal" });
    // Revoked here (the CRL lists it), but IoT was not told: the device still has a certificate IoT accepts.
    expect(renewed.previousRevocation?.revocation.reason).toBe("superseded");
    expect(
      await repository.findRevocation({ kind: "intermediate", name: "devices" }, old.record.serial_number),
    ).toBeDefined();
    expect(iot.registry.callsOf("updateCertificateStatus")).toEqual([]);
    expect(await iot.local.certificateStatus(oldId)).toBe("ACTIVE");
    expect(renewed.previousRevocation?.iot).toMatchObject({
      updated: false,
      registration: { iot_certificate_id: oldId },
    });
    expect(renewed.previousRevocation?.iot?.error).toBeInstanceOf(ConflictError);
    expect(renewed.previousRevocation?.iot?.error?.message).toContain(
      `its renewal ${renewed.record.serial_number} is not registered there (step attach_thing_principal failed)`,
    );

    // The retries, in the order the message gives: the new registration, then the old one's IoT status.
    iot.registry.fail = undefined;
    const finished = await registerStoredDeviceWithIot(
      { serialNumber: renewed.record.serial_number, options: {} },
      repository,
      iot.context,
    );
    expect(finished.outcome).toBe("completed");
    expect(await iot.local.certificateStatus(newId)).toBe("ACTIVE");
    const synced = await registerStoredDeviceWithIot(
      { serialNumber: old.record.serial_number, options: {} },
      repository,
      iot.context,
    );
    expect(synced.outcome).toBe("revoked");
    expect(await iot.local.certificateStatus(oldId)).toBe("REVOKED");
  });

  it("a refused IoT step (a policy gone since) is reported with IoT's code; the certificate is renewed all the same", async () => {
    const { repository, iot, old, renew } = await setUp();
    iot.registry.fail = (call) =>
      call.method === "attachPolicy"
        ? { error: new IotServiceError("ResourceNotFoundException", "no policy LampPolicy"), when: "before" }
        : undefined;
    const renewed = await renew({ revokePrevious: true });
    expect(renewed.iot).toMatchObject({ registered: false, failedStep: "attach_policy" });
    expect(renewed.iot?.registered === false && renewed.iot.error).toBeInstanceOf(IotServiceError);
    // Without its policy the new certificate cannot connect: the old one stays ACTIVE in IoT until the retries.
    expect(renewed.previousRevocation?.iot?.updated).toBe(false);
    expect(await repository.findRenewal("device", old.record.serial_number)).toBe(renewed.record.serial_number);
    // Registered and recorded up to the policy: the retry attaches it and registers nothing.
    iot.registry.fail = undefined;
    const retried = await registerStoredDeviceWithIot(
      { serialNumber: renewed.record.serial_number, options: {} },
      repository,
      iot.context,
    );
    expect(retried.outcome).toBe("completed");
    expect(iot.registry.callsOf("registerCertificate")).toHaveLength(1);
    expect(iot.registry.callsOf("attachPolicy")).toHaveLength(2);
  });
});
