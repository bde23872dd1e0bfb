/**
 * Registering CAs with AWS IoT Core through the local server (dist bundles,
 * as `npm start` runs them) in the S3 configuration, against moto_server's
 * S3 and IoT: the registrations are read back with `@aws-sdk/client-iot`
 * (DescribeCACertificate: ACTIVE, the CA's own PEM, the JITP configuration),
 * the records land in the bucket, `GET` shows them, and a second
 * registration answers 409. moto does not check the verification
 * certificate: `openssl verify` does, against the CA.
 */
import { DescribeCACertificateCommand, IoTClient } from "@aws-sdk/client-iot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROVISIONING_TEMPLATE } from "../../../src/core/iot/default-provisioning-template.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import { pemBody, readAll } from "../storage/aws-support.js";

const BUCKET = "certificates-iot-ca-it";
const ROLE = "arn:aws:iam::123456789012:role/iot-certificates-IotProvisioningRole";

let moto: MotoServer;
let api: LocalApi;
let iot: IoTClient;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  api = await startLocalApi({
    CERTIFICATE_BUCKET_NAME: BUCKET,
    ENDPOINT_URL: "",
    IOT_PROVISIONING_ROLE_ARN: ROLE,
    ...moto.env,
  });
  iot = new IoTClient({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const subject = { organization: "Acme IoT", country: "SE", key_algorithm: "EC-P256" };
  expect((await api.post("/certificates/root", { ...subject, common_name: "Acme IoT Root CA" })).status).toBe(201);
  expect((await api.post("/certificates/intermediate", { ...subject, name: "devices" })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  iot?.destroy();
  await api?.stop();
  await moto?.stop();
});

async function describeCa(certificateId: string) {
  return iot.send(new DescribeCACertificateCommand({ certificateId }));
}

describe("CA registration with AWS IoT Core through the local server on moto", () => {
  it("registers the root (SNI_ONLY, active): IoT holds the root's PEM, ACTIVE; the record is in the bucket", async () => {
    const root = await api.get("/certificates/root/default");
    const registered = await api.post("/certificates/root/default/iot-registration", {});
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      kind: "root",
      name: "default",
      mode: "SNI_ONLY",
      status: "ACTIVE",
      allow_auto_registration: false,
      ca_certificate_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      ca_certificate_arn: expect.stringMatching(/^arn:aws:iot:us-east-1:\d{12}:/),
      iot_data_endpoint: expect.stringMatching(/-ats\.iot\.us-east-1\.amazonaws\.com$/),
    });
    expect(registered.body.registration_code).toBeUndefined();
    expect(registered.body.verification_certificate).toBeUndefined();

    const { certificateDescription } = await describeCa(registered.body.ca_certificate_id);
    expect(certificateDescription?.status).toBe("ACTIVE");
    expect(pemBody(certificateDescription?.certificatePem ?? "")).toBe(pemBody(root.body.certificate));

    const objects = await readAll(moto.s3, BUCKET);
    const { message: _message, kind: _kind, name: _name, ...record } = registered.body;
    expect(JSON.parse(objects["iot_registrations/root/default.json"] ?? "{}")).toEqual(record);
    expect((await api.get("/certificates/root/default")).body.iot_registration).toEqual(record);
  });

  it("registers the intermediate in DEFAULT mode with JITP: the verification certificate verifies against the CA", async () => {
    const intermediate = await api.get("/certificates/intermediate/devices");
    const root = await api.get("/certificates/root/default");
    const registered = await api.post("/certificates/intermediate/devices/iot-registration", {
      mode: "DEFAULT",
      provisioning: { template: "default" },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({
      kind: "intermediate",
      name: "devices",
      mode: "DEFAULT",
      status: "ACTIVE",
      allow_auto_registration: true,
      provisioning_template: "default",
      provisioning_role_arn: ROLE,
      registration_code: expect.any(String),
    });
    // moto takes any verification certificate (and makes a new code at each GetRegistrationCode, where IoT keeps one
    // per account); openssl proves this one: its CN is the code the service got, signed by `devices`, up to the root.
    const verification = registered.body.verification_certificate;
    expect(opensslText(verification)).toContain(`CN = ${registered.body.registration_code}\n`);
    expect(
      opensslVerify({
        trusted: root.body.certificate,
        untrusted: intermediate.body.certificate,
        certificate: verification,
      }),
    ).toMatchObject({ ok: true });

    const described = await describeCa(registered.body.ca_certificate_id);
    expect(described.certificateDescription?.status).toBe("ACTIVE");
    expect(pemBody(described.certificateDescription?.certificatePem ?? "")).toBe(
      pemBody(intermediate.body.certificate),
    );
    expect(described.registrationConfig?.roleArn).toBe(ROLE);
    expect(JSON.parse(described.registrationConfig?.templateBody ?? "{}")).toEqual(DEFAULT_PROVISIONING_TEMPLATE);
    expect((await api.get("/certificates/intermediate/devices")).body.iot_registration).toMatchObject({
      ca_certificate_id: registered.body.ca_certificate_id,
      mode: "DEFAULT",
    });
  });

  it("answers a second registration 409 naming the existing id, and changes nothing", async () => {
    const before = await readAll(moto.s3, BUCKET);
    const first = JSON.parse(before["iot_registrations/intermediate/devices.json"] ?? "{}");
    const again = await api.post("/certificates/intermediate/devices/iot-registration", {});
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.body).toMatchObject({ title: "Conflict", field: "name" });
    expect(again.body.detail).toContain(first.ca_certificate_id);
    const after = await readAll(moto.s3, BUCKET);
    expect(after["iot_registrations/intermediate/devices.json"]).toBe(
      before["iot_registrations/intermediate/devices.json"],
    );
    // IoT still holds the first registration (DEFAULT mode's configuration untouched).
    expect((await describeCa(first.ca_certificate_id)).registrationConfig?.roleArn).toBe(ROLE);
  });

  it("refuses a CA that does not exist (404) and bad bodies (400 naming the field), registering nothing", async () => {
    const missing = await api.post("/certificates/intermediate/nope/iot-registration", {});
    expect(missing.status).toBe(404);
    const badMode = await api.post("/certificates/root/default/iot-registration", { mode: "STRICT" });
    expect(badMode).toMatchObject({ status: 400, body: { field: "mode" } });
    const badRole = await api.post("/certificates/root/default/iot-registration", {
      provisioning: { template: "default", role_arn: "not-an-arn" },
    });
    expect(badRole).toMatchObject({ status: 400, body: { field: "provisioning.role_arn" } });
    const objects = await readAll(moto.s3, BUCKET);
    expect(
      Object.keys(objects)
        .filter((key) => key.startsWith("iot_registrations/"))
        .sort(),
    ).toEqual(["iot_registrations/intermediate/devices.json", "iot_registrations/root/default.json"]);
  });
});
