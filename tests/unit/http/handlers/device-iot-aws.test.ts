/**
 * Device registration with AWS IoT Core through the handlers and the real
 * AWS adapter (IotCoreRegistry on the SDK's IoTClient, made by the
 * composition root in the S3 configuration), IoT mocked at the SDK
 * (aws-sdk-client-mock): the exact inputs IoT receives, including
 * `caCertificatePem` (moto_server does not link a device certificate to its
 * CA, so this is where it is proven), and IoT's own answers: an existing
 * certificate (`ResourceAlreadyExistsException`, naming it) taken as
 * registered, throttling that outlasted the SDK's retries reported with its
 * step and retried without a second RegisterCertificate.
 */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateThingCommand,
  IoTClient,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  ThrottlingException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { IotRegistrationRecords } from "../../../../src/core/iot/iot-registration-records.js";
import { handler as deviceHandler } from "../../../../src/http/handlers/issue-device-certificate.js";
import { handler as registerHandler } from "../../../../src/http/handlers/register-device-with-iot.js";
import { handler as revokeHandler } from "../../../../src/http/handlers/revoke-certificate.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { sha256Fingerprint } from "../../core/iot/iot-fixtures.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import { apiEvent, issuerMaterial, json, post, setUpServices } from "./handler-harness.js";

const ACCOUNT_ARN = "arn:aws:iot:eu-north-1:123456789012";
const iot = mockClient(IoTClient);

let pki: MemoryHierarchy;
let store: RecordingObjectStore;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(async () => {
  iot.reset();
  ({ store } = setUpServices(pki));
  // One attempt: the SDK's retries are its own business (and would sleep on throttling).
  vi.stubEnv("AWS_MAX_ATTEMPTS", "1");
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  await new IotRegistrationRecords(store).createCa("intermediate", "devices", {
    ca_certificate_id: sha256Fingerprint(pki.devices.record.certificate),
    ca_certificate_arn: `${ACCOUNT_ARN}:cacert/${sha256Fingerprint(pki.devices.record.certificate)}`,
    mode: "SNI_ONLY",
    status: "ACTIVE",
    iot_data_endpoint: "a1b2c3-ats.iot.eu-north-1.amazonaws.com",
    allow_auto_registration: false,
    registered_at: "2026-12-03T14:26:36.741Z",
  });
});

afterEach(() => {
  iot.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** IoT's answer to a registration: the id it derives (SHA-256 of the DER) and the ARN. */
function answerRegistrations() {
  const answer = (input: { certificatePem?: string }) => {
    const certificateId = sha256Fingerprint(input.certificatePem ?? "");
    return { certificateId, certificateArn: `${ACCOUNT_ARN}:cert/${certificateId}` };
  };
  iot.on(RegisterCertificateCommand).callsFake(answer);
  iot.on(RegisterCertificateWithoutCACommand).callsFake(answer);
  iot
    .on(CreateThingCommand)
    .callsFake((input) => ({ thingName: input.thingName, thingArn: `${ACCOUNT_ARN}:thing/${input.thingName}` }));
  iot.on(AttachThingPrincipalCommand).resolves({});
  iot.on(AttachPolicyCommand).resolves({});
  iot.on(UpdateCertificateCommand).resolves({});
}

describe("device registration on the AWS adapter", () => {
  it("sends RegisterCertificate with the certificate and its issuing intermediate's PEM, then CreateThing, AttachThingPrincipal, AttachPolicy", async () => {
    answerRegistrations();
    const result = await deviceHandler(
      post("/certificates/device", {
        issuer: "devices",
        key_algorithm: "EC-P256",
        device_id: "sensor-1",
        iot: { register: true, thing_name: "sensor-1", policy_name: "DevicePolicy" },
      }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const arn = `${ACCOUNT_ARN}:cert/${sha256Fingerprint(body.certificate)}`;
    expect(iot).toHaveReceivedCommandTimes(RegisterCertificateCommand, 1);
    expect(iot.commandCalls(RegisterCertificateCommand)[0]?.args[0].input).toEqual({
      certificatePem: body.certificate,
      caCertificatePem: pki.devices.record.certificate,
      status: "ACTIVE",
    });
    expect(iot).not.toHaveReceivedCommand(RegisterCertificateWithoutCACommand);
    expect(iot.commandCalls(CreateThingCommand).map((call) => call.args[0].input)).toEqual([{ thingName: "sensor-1" }]);
    expect(iot.commandCalls(AttachThingPrincipalCommand).map((call) => call.args[0].input)).toEqual([
      { thingName: "sensor-1", principal: arn },
    ]);
    expect(iot.commandCalls(AttachPolicyCommand).map((call) => call.args[0].input)).toEqual([
      { policyName: "DevicePolicy", target: arn },
    ]);
    expect(body.iot).toMatchObject({ registered: true, iot_certificate_arn: arn, registration: "with_ca" });
  });

  it("sends RegisterCertificateWithoutCA, with no CA PEM, for without_ca", async () => {
    answerRegistrations();
    const body = json(
      await deviceHandler(
        post("/certificates/device", {
          issuer: "devices",
          key_algorithm: "EC-P256",
          iot: { register: true, without_ca: true },
        }),
      ),
    );
    expect(iot.commandCalls(RegisterCertificateWithoutCACommand).map((call) => call.args[0].input)).toEqual([
      { certificatePem: body.certificate, status: "ACTIVE" },
    ]);
    expect(iot).not.toHaveReceivedCommand(RegisterCertificateCommand);
    expect(body.iot).toMatchObject({ registered: true, registration: "without_ca" });
  });

  it("takes a certificate IoT already holds as registered (ResourceAlreadyExistsException names it), and revokes it there", async () => {
    iot.on(RegisterCertificateCommand).callsFake((input) => {
      const certificateId = sha256Fingerprint(input.certificatePem);
      throw new ResourceAlreadyExistsException({
        message: "The certificate is already provisioned or registered",
        resourceId: certificateId,
        resourceArn: `${ACCOUNT_ARN}:cert/${certificateId}`,
        $metadata: { httpStatusCode: 409 },
      });
    });
    iot.on(UpdateCertificateCommand).resolves({});
    const body = json(
      await deviceHandler(
        post("/certificates/device", { issuer: "devices", key_algorithm: "EC-P256", iot: { register: true } }),
      ),
    );
    const id = sha256Fingerprint(body.certificate);
    expect(body.iot).toMatchObject({
      registered: true,
      iot_certificate_id: id,
      iot_certificate_arn: `${ACCOUNT_ARN}:cert/${id}`,
    });
    const revoked = await revokeHandler(
      apiEvent({
        method: "POST",
        resource: "/certificates/device/{serial_number}/revoke",
        pathParameters: { serial_number: body.serial_number },
        body: { reason: "keyCompromise" },
      }),
    );
    expect(json(revoked).iot).toMatchObject({ updated: true, status: "REVOKED" });
    expect(iot.commandCalls(UpdateCertificateCommand).map((call) => call.args[0].input)).toEqual([
      { certificateId: id, newStatus: "REVOKED" },
    ]);
  });

  it("reports throttling that outlasted the SDK's retries with its step; the retry attaches without registering again", async () => {
    answerRegistrations();
    iot
      .on(AttachThingPrincipalCommand)
      .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } }))
      .resolves({});
    const body = json(
      await deviceHandler(
        post("/certificates/device", {
          issuer: "devices",
          key_algorithm: "EC-P256",
          iot: { register: true, thing_name: "sensor-2" },
        }),
      ),
    );
    expect(body.iot).toMatchObject({
      registered: false,
      failed_step: "attach_thing_principal",
      error: { code: null, status: 503 },
      retry: { body: { thing_name: "sensor-2" } },
    });
    expect(body.iot.error.detail).toContain("AttachThingPrincipal");
    const retried = await registerHandler(
      apiEvent({
        method: "POST",
        resource: "/certificates/device/{serial_number}/iot-registration",
        pathParameters: { serial_number: body.serial_number },
        body: body.iot.retry.body,
      }),
    );
    expect(retried.statusCode).toBe(200);
    expect(iot).toHaveReceivedCommandTimes(RegisterCertificateCommand, 1);
    expect(iot).toHaveReceivedCommandTimes(AttachThingPrincipalCommand, 2);
  });
});
