/**
 * Devices registered with AWS IoT Core as they are issued, end to end: the
 * local server (dist bundles, as `npm start` runs them) in the S3
 * configuration, S3 and IoT on moto_server, read back with the AWS SDK:
 * device certificates ACTIVE in IoT with their PEM, attached to their thing
 * and policy, a batch registered, a renewal registered on the same thing and
 * policy (the old one ACTIVE, or REVOKED with revoke_previous), REVOKED after
 * a revocation, and a `409` with nothing written for an issuer IoT does not
 * know.
 *
 * The intermediate is registered with IoT here directly (RegisterCACertificate,
 * and its `iot_registrations/intermediate/<name>.json` written as
 * IotRegistrationRecords.createCa writes it): the registration route is
 * another part of the API. moto_server links a device certificate to the CA
 * whose PEM RegisterCertificate sent (ListCertificatesByCA) but checks
 * nothing; the exact RegisterCertificate input is asserted with
 * aws-sdk-client-mock (tests/unit/http/handlers/device-iot-aws.test.ts).
 */
import {
  CreatePolicyCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListCertificatesByCACommand,
  ListTargetsForPolicyCommand,
  ListThingPrincipalsCommand,
  RegisterCACertificateCommand,
} from "@aws-sdk/client-iot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../src/adapters/s3-object-store.js";
import { IotRegistrationRecords } from "../../../src/core/iot/iot-registration-records.js";
import { createEventQueue, type EventQueue } from "../../support/event-queue.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { readAll } from "../storage/aws-support.js";

const BUCKET = "certificates-device-iot-it";
const EC = { key_algorithm: "EC-P256" };

let moto: MotoServer;
let api: LocalApi;
let iot: IoTClient;
/** The certificate events of the local server, on moto's EventBridge → SQS. */
let events: EventQueue;
/** IoT's id of the registered `devices` intermediate. */
let devicesCaId: string;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  events = await createEventQueue(moto, "iot-certificates-device-iot-it");
  api = await startLocalApi({
    CERTIFICATE_BUCKET_NAME: BUCKET,
    ENDPOINT_URL: "",
    EVENT_BUS_NAME: events.busName,
    LOCAL_SCHEDULES: "off",
    ...moto.env,
  });
  iot = new IoTClient({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  expect((await api.post("/certificates/root", { ...EC, name: "default" })).status).toBe(201);
  for (const name of ["devices", "unregistered"]) {
    expect((await api.post("/certificates/intermediate", { ...EC, name })).status).toBe(201);
  }
  // `devices` registered with IoT, and recorded beside it, as the CA registration route does.
  const devices = await api.get("/certificates/intermediate/devices");
  const registered = await iot.send(
    new RegisterCACertificateCommand({
      caCertificate: devices.body.certificate,
      certificateMode: "SNI_ONLY",
      setAsActive: true,
      allowAutoRegistration: false,
    }),
  );
  devicesCaId = registered.certificateId ?? "";
  await new IotRegistrationRecords(new S3ObjectStore(moto.s3, { bucket: BUCKET })).createCa("intermediate", "devices", {
    ca_certificate_id: registered.certificateId ?? "",
    ca_certificate_arn: registered.certificateArn ?? "",
    mode: "SNI_ONLY",
    status: "ACTIVE",
    iot_data_endpoint: "moto-ats.iot.us-east-1.amazonaws.com",
    allow_auto_registration: false,
    registered_at: new Date().toISOString(),
  });
  await iot.send(
    new CreatePolicyCommand({
      policyName: "DevicePolicy",
      policyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }],
      }),
    }),
  );
  // The three CAs' `Certificate Issued`: the tests below read only their own events.
  expect((await events.drain(3)).map((event) => event["detail-type"])).toEqual(Array(3).fill("Certificate Issued"));
}, 120_000);

afterAll(async () => {
  iot?.destroy();
  events?.destroy();
  await api?.stop();
  await moto?.stop();
});

/** What IoT (moto) holds for a certificate. */
async function described(certificateId: string) {
  const { certificateDescription } = await iot.send(new DescribeCertificateCommand({ certificateId }));
  return certificateDescription;
}

describe("device certificates registered with AWS IoT Core (local server on S3 and IoT, moto_server)", () => {
  let first: any;

  it("registers a device with its CA, ACTIVE with its PEM, on its thing and with its policy", async () => {
    const issued = await api.post("/certificates/device", {
      ...EC,
      issuer: "devices",
      device_id: "moto-sensor-1",
      iot: { register: true, thing_name: "moto-sensor-1", policy_name: "DevicePolicy" },
    });
    expect(issued.status).toBe(201);
    first = issued.body;
    expect(first.iot).toMatchObject({
      registered: true,
      thing_name: "moto-sensor-1",
      policy_name: "DevicePolicy",
      registration: "with_ca",
    });
    const description = await described(first.iot.iot_certificate_id);
    expect(description).toMatchObject({
      certificateArn: first.iot.iot_certificate_arn,
      status: "ACTIVE",
      certificatePem: first.certificate,
    });
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: "moto-sensor-1" }));
    expect(principals.principals).toEqual([first.iot.iot_certificate_arn]);
    const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: "DevicePolicy" }));
    expect(targets.targets).toContain(first.iot.iot_certificate_arn);

    // Its `Certificate Issued` names the certificate IoT (moto) holds, as a rule on the bus receives it.
    expect(await events.drain(1)).toEqual([
      expect.objectContaining({
        "detail-type": "Certificate Issued",
        resources: [first.iot.iot_certificate_arn],
        detail: expect.objectContaining({
          kind: "device",
          device_id: "moto-sensor-1",
          serial_number: first.serial_number,
          iot_certificate_id: first.iot.iot_certificate_id,
          iot_certificate_arn: first.iot.iot_certificate_arn,
          iot_thing_name: "moto-sensor-1",
        }),
      }),
    ]);

    // The registration is recorded beside the certificate, in the bucket.
    const records = await readAll(moto.s3, BUCKET, "iot_registrations/device/");
    expect(JSON.parse(records[`iot_registrations/device/${first.serial_number}.json`] ?? "{}")).toMatchObject({
      serial_number: first.serial_number,
      iot_certificate_id: first.iot.iot_certificate_id,
      iot_certificate_arn: first.iot.iot_certificate_arn,
      registered: "with_ca",
      thing_name: "moto-sensor-1",
      policy_name: "DevicePolicy",
    });
  });

  it("registers without the CA (without_ca) and a whole batch, each result with its own iot", async () => {
    const alone = await api.post("/certificates/device", {
      ...EC,
      issuer: "unregistered",
      iot: { register: true, without_ca: true },
    });
    expect(alone.status).toBe(201);
    expect(alone.body.iot).toMatchObject({ registered: true, registration: "without_ca" });
    expect(await described(alone.body.iot.iot_certificate_id)).toMatchObject({
      status: "ACTIVE",
      certificatePem: alone.body.certificate,
    });

    const batch = await api.post("/certificates/device/batch", {
      ...EC,
      issuer: "devices",
      iot: { register: true, policy_name: "DevicePolicy" },
      devices: [
        { device_id: "moto-batch-1" },
        { device_id: "moto-batch-2", iot: { register: true, thing_name: "moto-batch-2" } },
      ],
    });
    expect(batch.status).toBe(201);
    expect(batch.body.iot).toEqual({ registered: 2, failed: 0 });
    for (const result of batch.body.results) {
      expect(result.iot.registered, result.device_id).toBe(true);
      expect(await described(result.iot.iot_certificate_id)).toMatchObject({
        status: "ACTIVE",
        certificatePem: result.certificate,
      });
    }
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: "moto-batch-2" }));
    expect(principals.principals).toEqual([batch.body.results[1].iot.iot_certificate_arn]);

    // Registered under the devices CA: those sent with its PEM, not the one without.
    const byCa = await iot.send(new ListCertificatesByCACommand({ caCertificateId: devicesCaId }));
    expect((byCa.certificates ?? []).map((certificate) => certificate.certificateId).sort()).toEqual(
      [first.iot.iot_certificate_id, ...batch.body.results.map((result: any) => result.iot.iot_certificate_id)].sort(),
    );
  });

  it("registers an issued certificate later through the iot-registration route, once", async () => {
    const plain = await api.post("/certificates/device", { ...EC, issuer: "devices", device_id: "moto-later" });
    expect(plain.body.iot).toBeUndefined();
    const path = `/certificates/device/${plain.body.serial_number}/iot-registration`;
    const registered = await api.post(path, { thing_name: "moto-later" });
    expect(registered.status).toBe(201);
    expect(await described(registered.body.iot.iot_certificate_id)).toMatchObject({
      status: "ACTIVE",
      certificatePem: plain.body.certificate,
    });
    const again = await api.post(path, {});
    expect(again.status).toBe(200);
    expect(again.body.iot.iot_certificate_id).toBe(registered.body.iot.iot_certificate_id);
  });

  it("registers a renewal on the same thing and policy; the old one stays ACTIVE, or is REVOKED with revoke_previous", async () => {
    const issued = await api.post("/certificates/device", {
      ...EC,
      issuer: "devices",
      device_id: "moto-renew-1",
      iot: { register: true, thing_name: "moto-renew-1", policy_name: "DevicePolicy" },
    });
    expect(issued.body.iot.registered).toBe(true);

    // Without revoke_previous: both certificates ACTIVE in IoT, on the same thing and policy.
    const second = await api.post(`/certificates/device/${issued.body.serial_number}/renew`, {});
    expect(second.status).toBe(201);
    expect(second.body.iot).toMatchObject({
      registered: true,
      thing_name: "moto-renew-1",
      policy_name: "DevicePolicy",
      registration: "with_ca",
    });
    expect(second.body.iot.iot_certificate_id).not.toBe(issued.body.iot.iot_certificate_id);
    expect(await described(second.body.iot.iot_certificate_id)).toMatchObject({
      certificateArn: second.body.iot.iot_certificate_arn,
      status: "ACTIVE",
      certificatePem: second.body.certificate,
    });
    expect((await described(issued.body.iot.iot_certificate_id))?.status).toBe("ACTIVE");

    // With revoke_previous: the new one ACTIVE, the one it renews REVOKED.
    const third = await api.post(`/certificates/device/${second.body.serial_number}/renew`, { revoke_previous: true });
    expect(third.status).toBe(201);
    expect(third.body.previous).toMatchObject({
      status: "revoked",
      revocation_reason: "superseded",
      iot: { updated: true, iot_certificate_id: second.body.iot.iot_certificate_id, status: "REVOKED" },
    });
    expect(await described(third.body.iot.iot_certificate_id)).toMatchObject({
      status: "ACTIVE",
      certificatePem: third.body.certificate,
    });
    expect((await described(second.body.iot.iot_certificate_id))?.status).toBe("REVOKED");
    expect((await described(issued.body.iot.iot_certificate_id))?.status).toBe("ACTIVE");

    const arns = [issued.body, second.body, third.body].map((body) => body.iot.iot_certificate_arn);
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: "moto-renew-1" }));
    expect([...(principals.principals ?? [])].sort()).toEqual([...arns].sort());
    const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: "DevicePolicy" }));
    expect(targets.targets).toEqual(expect.arrayContaining(arns));
    // Each under the devices CA, registered once.
    const byCa = await iot.send(new ListCertificatesByCACommand({ caCertificateId: devicesCaId }));
    const ids = (byCa.certificates ?? []).map((certificate) => certificate.certificateId);
    for (const body of [issued.body, second.body, third.body]) {
      expect(ids.filter((id) => id === body.iot.iot_certificate_id)).toHaveLength(1);
    }
    const records = await readAll(moto.s3, BUCKET, "iot_registrations/device/");
    expect(JSON.parse(records[`iot_registrations/device/${third.body.serial_number}.json`] ?? "{}")).toMatchObject({
      iot_certificate_id: third.body.iot.iot_certificate_id,
      registered: "with_ca",
      thing_name: "moto-renew-1",
      policy_name: "DevicePolicy",
    });
  });

  it("sets the IoT certificate REVOKED when the device certificate is revoked", async () => {
    const revoked = await api.post(`/certificates/device/${first.serial_number}/revoke`, { reason: "keyCompromise" });
    expect(revoked.status).toBe(200);
    expect(revoked.body.iot).toEqual({
      updated: true,
      iot_certificate_id: first.iot.iot_certificate_id,
      iot_certificate_arn: first.iot.iot_certificate_arn,
      status: "REVOKED",
    });
    expect((await described(first.iot.iot_certificate_id))?.status).toBe("REVOKED");
  });

  it("answers 409 before anything is written when the issuer is not registered with IoT", async () => {
    const before = await readAll(moto.s3, BUCKET);
    const refused = await api.post("/certificates/device", {
      ...EC,
      issuer: "unregistered",
      iot: { register: true },
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.body.detail).toContain("POST /certificates/intermediate/unregistered/iot-registration");
    expect(Object.keys(await readAll(moto.s3, BUCKET))).toEqual(Object.keys(before));
  });
});
