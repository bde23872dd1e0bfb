/**
 * `"iot"` on `POST /certificates/device` and the batch, the revocation's IoT
 * step and `POST /certificates/device/{serial_number}/iot-registration`,
 * through the handlers in the S3 configuration: the store is a recording
 * fake at the port, IoT is LocalIotRegistry on that same store (IoT's checks
 * and error codes; the AWS adapter's wire format is tested in
 * tests/unit/adapters and on moto). Bad input is a 400 naming the field with
 * nothing written; an IoT step that fails after storage is a 201 whose `iot`
 * says which step and gives the retry, and sending that retry completes it.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalIotRegistry } from "../../../../src/adapters/local-iot-registry.js";
import { useServicesForTesting } from "../../../../src/composition-root.js";
import { DependencyError, IotServiceError } from "../../../../src/core/errors.js";
import { IotRegistrationRecords } from "../../../../src/core/iot/iot-registration-records.js";
import type { IotRegistry } from "../../../../src/core/ports.js";
import { handler as getHandler } from "../../../../src/http/handlers/get-certificate.js";
import { handler as batchHandler } from "../../../../src/http/handlers/issue-device-batch.js";
import { handler as deviceHandler } from "../../../../src/http/handlers/issue-device-certificate.js";
import { handler as registerHandler } from "../../../../src/http/handlers/register-device-with-iot.js";
import { handler as renewHandler } from "../../../../src/http/handlers/renew-device-certificate.js";
import { handler as renewServerHandler } from "../../../../src/http/handlers/renew-server-certificate.js";
import { handler as revokeHandler } from "../../../../src/http/handlers/revoke-certificate.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { sha256Fingerprint } from "../../core/iot/iot-fixtures.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  apiEvent,
  expectProblem,
  issuerMaterial,
  json,
  post,
  puts,
  setUpServices,
  type TimelineEvent,
} from "./handler-harness.js";

const ARN_PREFIX = "arn:aws:iot:local:000000000000:cert/";

let pki: MemoryHierarchy;
let store: RecordingObjectStore;
let timeline: TimelineEvent[];
let local: LocalIotRegistry;
/** The registry the handlers use: LocalIotRegistry, with chosen calls failing. */
let iot: IotRegistry;
let failing: ((method: string, args: unknown[]) => Error | undefined) | undefined;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(async () => {
  const services = setUpServices(pki);
  store = services.store;
  timeline = services.timeline;
  local = new LocalIotRegistry(store);
  failing = undefined;
  const guard =
    <A extends unknown[], R>(method: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const error = failing?.(method, args);
      if (error) throw error;
      return call(...args);
    };
  iot = {
    dataEndpoint: () => local.dataEndpoint(),
    registrationCode: () => local.registrationCode(),
    registerCaCertificate: (request) => local.registerCaCertificate(request),
    describeCaCertificate: (id) => local.describeCaCertificate(id),
    registerCertificate: guard("registerCertificate", (request) => local.registerCertificate(request)),
    updateCertificateStatus: guard("updateCertificateStatus", (id, status) =>
      local.updateCertificateStatus(id, status),
    ),
    ensureThing: guard("ensureThing", (name) => local.ensureThing(name)),
    attachThingPrincipal: guard("attachThingPrincipal", (name, arn) => local.attachThingPrincipal(name, arn)),
    attachPolicy: guard("attachPolicy", (name, arn) => local.attachPolicy(name, arn)),
  };
  useServicesForTesting({ objectStore: store, importer: services.importer, iot });
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Registers the `devices` intermediate with IoT and records it, as the CA registration route does. */
async function registerDevicesCa(): Promise<void> {
  const registered = await local.registerCaCertificate({
    caCertificatePem: pki.devices.record.certificate,
    mode: "SNI_ONLY",
    setAsActive: true,
    allowAutoRegistration: false,
    tags: {},
  });
  await new IotRegistrationRecords(store).createCa("intermediate", "devices", {
    ca_certificate_id: registered.certificateId,
    ca_certificate_arn: registered.certificateArn,
    mode: "SNI_ONLY",
    status: "ACTIVE",
    iot_data_endpoint: await local.dataEndpoint(),
    allow_auto_registration: false,
    registered_at: new Date().toISOString(),
  });
}

function iotRegistration(serialNumber: string, body: unknown = {}) {
  return apiEvent({
    method: "POST",
    resource: "/certificates/device/{serial_number}/iot-registration",
    path: `/certificates/device/${serialNumber}/iot-registration`,
    pathParameters: { serial_number: serialNumber },
    body,
  });
}

function getDevice(serialNumber: string) {
  return apiEvent({
    method: "GET",
    resource: "/certificates/device/{serial_number}",
    path: `/certificates/device/${serialNumber}`,
    pathParameters: { serial_number: serialNumber },
  });
}

function revoke(serialNumber: string) {
  return apiEvent({
    method: "POST",
    resource: "/certificates/device/{serial_number}/revoke",
    path: `/certificates/device/${serialNumber}/revoke`,
    pathParameters: { serial_number: serialNumber },
    body: {},
  });
}

function renew(kind: "device" | "server", serialNumber: string, body: unknown = {}) {
  return apiEvent({
    method: "POST",
    resource: `/certificates/${kind}/{serial_number}/renew`,
    path: `/certificates/${kind}/${serialNumber}/renew`,
    pathParameters: { serial_number: serialNumber },
    body,
  });
}

const DEVICE = { issuer: "devices", key_algorithm: "EC-P256" };

describe("POST /certificates/device with iot", () => {
  it("registers the stored certificate and adds iot to the usual response", async () => {
    await registerDevicesCa();
    const result = await deviceHandler(
      post("/certificates/device", {
        ...DEVICE,
        device_id: "sensor-1",
        iot: { register: true, thing_name: "sensor-1", policy_name: "DevicePolicy" },
      }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const id = sha256Fingerprint(body.certificate);
    expect(Object.keys(body)).toEqual([
      "message",
      "device_id",
      "serial_number",
      "key_algorithm",
      "issuer",
      "not_before",
      "not_after",
      "s3_folder",
      "certificate",
      "certificate_chain",
      "private_key",
      "iot",
    ]);
    expect(body.message).toBe("Device certificate created and stored.");
    expect(body.iot).toEqual({
      registered: true,
      iot_certificate_id: id,
      iot_certificate_arn: `${ARN_PREFIX}${id}`,
      thing_name: "sensor-1",
      policy_name: "DevicePolicy",
      registration: "with_ca",
    });
    expect(await local.certificateStatus(id)).toBe("ACTIVE");

    // GET shows the registration as `iot_registration`, with when it was made.
    const details = json(await getHandler(getDevice(body.serial_number)));
    expect(details.iot_registration).toEqual({ ...body.iot, registered_at: expect.any(String) });
    expect(Date.parse(details.iot_registration.registered_at)).not.toBeNaN();
  });

  it("leaves the response as it was without iot (or with register: false)", async () => {
    for (const extra of [{}, { iot: { register: false } }]) {
      const body = json(await deviceHandler(post("/certificates/device", { ...DEVICE, ...extra })));
      expect(body.iot).toBeUndefined();
      const details = json(await getHandler(getDevice(body.serial_number)));
      expect(details.serial_number).toBe(body.serial_number);
      expect(details).not.toHaveProperty("iot_registration");
    }
    expect([...store.objects.keys()].filter((key) => key.startsWith("iot"))).toEqual([]);
  });

  it.each([
    [{ register: true, thing_name: "has space" }, "iot.thing_name", "must be an AWS IoT thing name"],
    [{ register: true, thing_name: "x".repeat(129) }, "iot.thing_name", "must be an AWS IoT thing name"],
    [{ register: true, policy_name: "no/slash" }, "iot.policy_name", "must be an AWS IoT policy name"],
    [{ register: true, without_ca: "yes" }, "iot.without_ca", "must be true or false"],
    [{ register: false, thing_name: "t" }, "iot.thing_name", 'is only used with "register": true'],
    [{ thing_name: "t" }, "iot.register", "is required"],
    [{ register: true, thing: "t" }, "thing", "unknown field(s): thing"],
  ])("refuses iot %j: 400 naming %s, nothing written", async (iotBody, field, message) => {
    const result = await deviceHandler(post("/certificates/device", { ...DEVICE, iot: iotBody }));
    const problem = expectProblem(result, 400, field);
    expect(problem.detail).toContain(message);
    expect(puts(timeline)).toEqual([]);
  });

  it("answers 409 before anything is written when the issuer is not registered with IoT, saying how", async () => {
    const result = await deviceHandler(post("/certificates/device", { ...DEVICE, iot: { register: true } }));
    const problem = expectProblem(result, 409, "issuer");
    expect(problem.detail).toContain("POST /certificates/intermediate/devices/iot-registration");
    expect(problem.detail).toContain('"without_ca": true');
    expect(puts(timeline)).toEqual([]);
  });

  it("answers 201 with iot.registered false, the step, IoT's code and the retry; sending the retry completes it", async () => {
    await registerDevicesCa();
    failing = (method) =>
      method === "attachPolicy" ? new IotServiceError("ResourceNotFoundException", "no policy FleetPolicy") : undefined;
    const result = await deviceHandler(
      post("/certificates/device", { ...DEVICE, iot: { register: true, policy_name: "FleetPolicy" } }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const id = sha256Fingerprint(body.certificate);
    expect(body.iot).toEqual({
      registered: false,
      failed_step: "attach_policy",
      error: {
        code: "ResourceNotFoundException",
        status: 404,
        detail: "ResourceNotFoundException: no policy FleetPolicy",
      },
      iot_certificate_id: id,
      iot_certificate_arn: `${ARN_PREFIX}${id}`,
      thing_name: null,
      policy_name: "FleetPolicy",
      retry: {
        method: "POST",
        path: `/certificates/device/${body.serial_number}/iot-registration`,
        body: { policy_name: "FleetPolicy" },
      },
    });
    // The certificate is stored.
    expect(store.objects.get(`${body.s3_folder}certificate.json`)).toBeDefined();

    failing = undefined;
    const retried = await registerHandler(iotRegistration(body.serial_number, body.iot.retry.body));
    expect(retried.statusCode).toBe(200);
    expect(json(retried)).toEqual({
      message: "Device certificate was registered with AWS IoT Core already; its thing and policy are attached.",
      device_id: body.device_id,
      serial_number: body.serial_number,
      iot: {
        registered: true,
        iot_certificate_id: id,
        iot_certificate_arn: `${ARN_PREFIX}${id}`,
        thing_name: null,
        policy_name: "FleetPolicy",
        registration: "with_ca",
      },
    });
    expect(store.objects.get(`iot/policy_principals/FleetPolicy/${id}.json`)).toBeDefined();
  });

  it("reports a passing IoT failure with its message, not the problem detail's 'retrying the same request is safe'", async () => {
    await registerDevicesCa();
    failing = (method) =>
      method === "registerCertificate"
        ? new DependencyError("IoT RegisterCertificate failed: 503 ServiceUnavailableException")
        : undefined;
    const body = json(await deviceHandler(post("/certificates/device", { ...DEVICE, iot: { register: true } })));
    expect(body.iot).toMatchObject({
      registered: false,
      failed_step: "register_certificate",
      error: { code: null, status: 503, detail: "IoT RegisterCertificate failed: 503 ServiceUnavailableException" },
      iot_certificate_id: null,
      retry: { body: {} },
    });
    failing = undefined;
    const retried = await registerHandler(iotRegistration(body.serial_number, body.iot.retry.body));
    expect(retried.statusCode).toBe(201);
    expect(json(retried).message).toBe("Device certificate registered with AWS IoT Core.");
  });
});

describe("POST /certificates/device/batch with iot", () => {
  it("says per device whether IoT registered it, counts them, and answers 207 when an IoT step failed", async () => {
    failing = (method, args) =>
      method === "ensureThing" && args[0] === "broken"
        ? new IotServiceError("InvalidRequestException", "no")
        : undefined;
    const result = await batchHandler(
      post("/certificates/device/batch", {
        ...DEVICE,
        iot: { register: true, without_ca: true },
        devices: [
          { device_id: "b-1" },
          { device_id: "b-2", iot: { register: true, without_ca: true, thing_name: "broken" } },
          { device_id: "b-3", iot: { register: false } },
        ],
      }),
    );
    expect(result.statusCode).toBe(207);
    const body = json(result);
    expect(body).toMatchObject({ issued: 3, failed: 0, iot: { registered: 1, failed: 1 } });
    const [one, two, three] = body.results;
    expect(one.iot).toMatchObject({ registered: true, registration: "without_ca", thing_name: null });
    expect(two.iot).toMatchObject({
      registered: false,
      failed_step: "create_thing",
      error: { code: "InvalidRequestException", status: 400 },
      retry: { body: { thing_name: "broken", without_ca: true } },
    });
    expect(three.iot).toBeUndefined();
    expect(three.status).toBe(201);
  });

  it("refuses the batch before anything is written: an unregistered issuer (409), a bad device iot (400 naming it)", async () => {
    expectProblem(
      await batchHandler(post("/certificates/device/batch", { ...DEVICE, count: 2, iot: { register: true } })),
      409,
      "issuer",
    );
    expectProblem(
      await batchHandler(
        post("/certificates/device/batch", {
          ...DEVICE,
          devices: [{ device_id: "a", iot: { register: true, thing_name: "bad name" } }],
        }),
      ),
      400,
      "devices.0.iot.thing_name",
    );
    expect(puts(timeline)).toEqual([]);
  });
});

describe("revocation and POST /certificates/device/{serial_number}/iot-registration", () => {
  it("revokes in IoT too; when IoT fails the revocation stands and iot.retry sets the status", async () => {
    const issued = json(
      await deviceHandler(post("/certificates/device", { ...DEVICE, iot: { register: true, without_ca: true } })),
    );
    const id = issued.iot.iot_certificate_id;
    failing = (method) =>
      method === "updateCertificateStatus" ? new IotServiceError("ThrottlingException", "Rate exceeded") : undefined;
    const revoked = await revokeHandler(revoke(issued.serial_number));
    expect(revoked.statusCode).toBe(200);
    expect(json(revoked)).toMatchObject({
      status: "revoked",
      iot: {
        updated: false,
        iot_certificate_id: id,
        iot_certificate_arn: `${ARN_PREFIX}${id}`,
        error: { code: "ThrottlingException" },
        retry: { method: "POST", path: `/certificates/device/${issued.serial_number}/iot-registration`, body: {} },
      },
    });
    expect(await local.certificateStatus(id)).toBe("ACTIVE");
    const again = expectProblem(await revokeHandler(revoke(issued.serial_number)), 409, "id");
    expect(again.detail).toContain(`POST /certificates/device/${issued.serial_number}/iot-registration`);

    failing = undefined;
    const synced = await registerHandler(iotRegistration(issued.serial_number, json(revoked).iot.retry.body));
    expect(synced.statusCode).toBe(200);
    expect(json(synced)).toMatchObject({
      message: "Device certificate is revoked; its AWS IoT Core certificate is now REVOKED.",
      iot: { registered: true, iot_certificate_id: id, status: "REVOKED" },
    });
    expect(await local.certificateStatus(id)).toBe("REVOKED");
  });

  it("revokes in IoT at once when it answers", async () => {
    const issued = json(
      await deviceHandler(post("/certificates/device", { ...DEVICE, iot: { register: true, without_ca: true } })),
    );
    const body = json(await revokeHandler(revoke(issued.serial_number)));
    expect(body.iot).toEqual({
      updated: true,
      iot_certificate_id: issued.iot.iot_certificate_id,
      iot_certificate_arn: issued.iot.iot_certificate_arn,
      status: "REVOKED",
    });
    expect(await local.certificateStatus(issued.iot.iot_certificate_id)).toBe("REVOKED");
  });

  it("keeps the revocation response as it was for a device IoT does not hold", async () => {
    const issued = json(await deviceHandler(post("/certificates/device", DEVICE)));
    const body = json(await revokeHandler(revoke(issued.serial_number)));
    expect(body.iot).toBeUndefined();
    expect(Object.keys(body)).toEqual([
      "message",
      "kind",
      "device_id",
      "serial_number",
      "status",
      "revoked_at",
      "revocation_reason",
      "crl_path",
    ]);
  });

  it("answers 400 for a bad serial or body, 404 for an unknown device, 409 for options other than recorded", async () => {
    expectProblem(await registerHandler(iotRegistration("not-a-serial")), 400, "serial_number");
    expectProblem(
      await registerHandler(iotRegistration("ab".repeat(16), { thing_name: "bad name" })),
      400,
      "thing_name",
    );
    expectProblem(await registerHandler(iotRegistration("ab".repeat(16), { register: true })), 400, "register");
    expectProblem(await registerHandler(iotRegistration("ab".repeat(16))), 404, "serial_number");
    const issued = json(
      await deviceHandler(
        post("/certificates/device", { ...DEVICE, iot: { register: true, without_ca: true, thing_name: "t-1" } }),
      ),
    );
    const conflict = expectProblem(
      await registerHandler(iotRegistration(issued.serial_number, { thing_name: "t-2" })),
      409,
      "thing_name",
    );
    expect(conflict.detail).toContain("thing 't-1'");
    const same = await registerHandler(iotRegistration(issued.serial_number, { thing_name: "t-1", without_ca: true }));
    expect(same.statusCode).toBe(200);
  });
});

describe("POST /certificates/device/{serial_number}/renew of a device IoT holds", () => {
  /** A device issued and registered with IoT (with its CA) on thing `lamp-1` and policy `LampPolicy`. */
  async function registeredDevice(): Promise<any> {
    await registerDevicesCa();
    await local.ensureThing("lamp-1");
    const issued = json(
      await deviceHandler(
        post("/certificates/device", {
          ...DEVICE,
          device_id: "lamp-1",
          iot: { register: true, thing_name: "lamp-1", policy_name: "LampPolicy" },
        }),
      ),
    );
    expect(issued.iot.registered).toBe(true);
    return issued;
  }

  it("registers the new certificate as the old one (iot, as on issuance); revoke_previous sets the old one REVOKED (previous.iot)", async () => {
    const old = await registeredDevice();
    const result = await renewHandler(renew("device", old.serial_number, { revoke_previous: true }));
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const id = sha256Fingerprint(body.certificate);
    expect(Object.keys(body)).toEqual([
      "message",
      "kind",
      "device_id",
      "renews",
      "key",
      "serial_number",
      "key_algorithm",
      "issuer",
      "not_before",
      "not_after",
      "s3_folder",
      "certificate",
      "certificate_chain",
      "private_key",
      "iot",
      "previous",
    ]);
    expect(body.iot).toEqual({
      registered: true,
      iot_certificate_id: id,
      iot_certificate_arn: `${ARN_PREFIX}${id}`,
      thing_name: "lamp-1",
      policy_name: "LampPolicy",
      registration: "with_ca",
    });
    expect(body.previous).toMatchObject({
      serial_number: old.serial_number,
      status: "revoked",
      revocation_reason: "superseded",
      iot: {
        updated: true,
        iot_certificate_id: old.iot.iot_certificate_id,
        iot_certificate_arn: old.iot.iot_certificate_arn,
        status: "REVOKED",
      },
    });
    expect(await local.certificateStatus(id)).toBe("ACTIVE");
    expect(await local.certificateStatus(old.iot.iot_certificate_id)).toBe("REVOKED");
  });

  it("without revoke_previous the old IoT certificate stays ACTIVE beside the new one, and previous has no iot", async () => {
    const old = await registeredDevice();
    const body = json(await renewHandler(renew("device", old.serial_number)));
    expect(body.iot.registered).toBe(true);
    expect(body.previous).toEqual({
      serial_number: old.serial_number,
      not_after: old.not_after,
      renewed_by: body.serial_number,
      status: "valid",
    });
    expect(await local.certificateStatus(old.iot.iot_certificate_id)).toBe("ACTIVE");
    expect(await local.certificateStatus(body.iot.iot_certificate_id)).toBe("ACTIVE");
  });

  it("answers 201 with iot.registered false, the step and the retry when IoT fails after storage; the retry finishes it once", async () => {
    const old = await registeredDevice();
    failing = (method) =>
      method === "registerCertificate" ? new IotServiceError("ThrottlingException", "Rate exceeded") : undefined;
    const result = await renewHandler(renew("device", old.serial_number));
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.iot).toEqual({
      registered: false,
      failed_step: "register_certificate",
      error: { code: "ThrottlingException", status: 400, detail: "ThrottlingException: Rate exceeded" },
      iot_certificate_id: null,
      iot_certificate_arn: null,
      thing_name: "lamp-1",
      policy_name: "LampPolicy",
      retry: {
        method: "POST",
        path: `/certificates/device/${body.serial_number}/iot-registration`,
        body: { thing_name: "lamp-1", policy_name: "LampPolicy" },
      },
    });
    // The renewal is done: the new certificate is stored and linked; IoT holds only the old one.
    expect(store.objects.get(`${body.s3_folder}certificate.json`)).toBeDefined();
    expect(store.objects.get(`renewals/device/${old.serial_number}~${body.serial_number}`)).toBeDefined();
    expect([...store.objects.keys()].filter((key) => key.startsWith("iot/certificates/"))).toHaveLength(1);

    failing = undefined;
    const retried = await registerHandler(iotRegistration(body.serial_number, body.iot.retry.body));
    expect(retried.statusCode).toBe(201);
    const id = sha256Fingerprint(body.certificate);
    expect(json(retried).iot).toEqual({
      registered: true,
      iot_certificate_id: id,
      iot_certificate_arn: `${ARN_PREFIX}${id}`,
      thing_name: "lamp-1",
      policy_name: "LampPolicy",
      registration: "with_ca",
    });
    const again = await registerHandler(iotRegistration(body.serial_number, body.iot.retry.body));
    expect(again.statusCode).toBe(200);
    expect([...store.objects.keys()].filter((key) => key.startsWith("iot/certificates/"))).toHaveLength(2);
    expect(await local.certificateStatus(id)).toBe("ACTIVE");
  });

  it('"iot": {"register": false} renews without registering; {"register": true} for a device IoT does not hold is a 409, nothing written', async () => {
    const old = await registeredDevice();
    const skipped = json(await renewHandler(renew("device", old.serial_number, { iot: { register: false } })));
    expect(skipped.iot).toBeUndefined();
    expect(await new IotRegistrationRecords(store).findDevice(skipped.serial_number)).toBeUndefined();

    const plain = json(await deviceHandler(post("/certificates/device", DEVICE)));
    const before = puts(timeline).length;
    const refused = expectProblem(
      await renewHandler(renew("device", plain.serial_number, { iot: { register: true } })),
      409,
      "iot",
    );
    expect(refused.detail).toContain(`certificate ${plain.serial_number} is not registered with AWS IoT Core`);
    expect(
      puts(timeline)
        .slice(before)
        .filter((put) => !put.key.startsWith("idempotency/")),
    ).toEqual([]);
    // Without iot, a device IoT does not hold renews as before.
    const renewed = json(await renewHandler(renew("device", plain.serial_number)));
    expect(renewed.iot).toBeUndefined();
  });

  it.each([
    // A renewal follows the old registration: it takes no thing, policy or without_ca.
    [{ iot: { register: true, thing_name: "lamp-2" } }, "thing_name", "iot: unknown field(s): thing_name"],
    [{ iot: { register: false, policy_name: "P" } }, "policy_name", "iot: unknown field(s): policy_name"],
    [{ iot: { register: "yes" } }, "iot.register", "must be true or false"],
    [{ iot: {} }, "iot.register", "is required"],
    [{ iot: true }, "iot", 'must be {"register": true|false}'],
  ])("refuses %j: 400 naming %s, nothing written", async (body, field, message) => {
    const old = await registeredDevice();
    const before = puts(timeline).length;
    const problem = expectProblem(await renewHandler(renew("device", old.serial_number, body)), 400, field);
    expect(problem.detail).toContain(message);
    expect(puts(timeline).slice(before)).toEqual([]);
  });

  it("the server renew route takes no iot", async () => {
    expectProblem(await renewServerHandler(renew("server", "ab".repeat(16), { iot: { register: false } })), 400, "iot");
  });
});
