/**
 * IotCoreRegistry in the SDK's own terms (aws-sdk-client-mock): the exact
 * inputs of the calls moto_server does not check (RegisterCACertificate's
 * mode, verification certificate and registration config; RegisterCertificate
 * with the CA's PEM), and what IoT's answers become: a refusal an
 * IotServiceError with IoT's code (problem+json, never a 500), throttling that
 * outlasted the SDK's retries a 503, refused credentials a configuration
 * error. moto_server proves the protocol in
 * tests/integration/iot/iot-core-registry-on-moto.test.ts.
 */
import {
  AttachThingPrincipalCommand,
  CertificateValidationException,
  CreateThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  IoTClient,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  ResourceAlreadyExistsException,
  ThrottlingException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IotCoreRegistry } from "../../../src/adapters/iot-core-registry.js";
import { ConfigurationError, DependencyError, IotServiceError } from "../../../src/core/errors.js";
import { errorResponse } from "../../../src/http/problem.js";

const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n";
const VERIFICATION_PEM = "-----BEGIN CERTIFICATE-----\nMIIBverification\n-----END CERTIFICATE-----\n";
const DEVICE_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdevice\n-----END CERTIFICATE-----\n";
const CA_ID = "a".repeat(64);
const CA_ARN = `arn:aws:iot:eu-north-1:123456789012:cacert/${CA_ID}`;
const CERT_ID = "b".repeat(64);
const CERT_ARN = `arn:aws:iot:eu-north-1:123456789012:cert/${CERT_ID}`;
const ROLE = "arn:aws:iam::123456789012:role/stack-IotProvisioningRole";

const iot = mockClient(IoTClient);
let registry: IotCoreRegistry;

beforeEach(() => {
  iot.reset();
  registry = new IotCoreRegistry(new IoTClient({ region: "eu-north-1", maxAttempts: 1 }));
});

afterEach(() => iot.reset());

describe("IotCoreRegistry requests", () => {
  it("registers a CA in DEFAULT mode with its verification certificate, JITP config and tags", async () => {
    iot.on(RegisterCACertificateCommand).resolves({ certificateId: CA_ID, certificateArn: CA_ARN });
    const registered = await registry.registerCaCertificate({
      caCertificatePem: CA_PEM,
      mode: "DEFAULT",
      verificationCertificatePem: VERIFICATION_PEM,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody: '{"Resources":{}}', roleArn: ROLE },
      tags: { "iot-certificates:ca-name": "devices" },
    });
    expect(registered).toEqual({ certificateId: CA_ID, certificateArn: CA_ARN, status: "ACTIVE" });
    expect(iot).toHaveReceivedCommandExactlyOnceWith(RegisterCACertificateCommand, {
      caCertificate: CA_PEM,
      certificateMode: "DEFAULT",
      verificationCertificate: VERIFICATION_PEM,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody: '{"Resources":{}}', roleArn: ROLE },
      tags: [{ Key: "iot-certificates:ca-name", Value: "devices" }],
    });
    const input = iot.commandCalls(RegisterCACertificateCommand)[0]?.args[0].input;
    expect(Object.keys(input ?? {}).sort()).toEqual([
      "allowAutoRegistration",
      "caCertificate",
      "certificateMode",
      "registrationConfig",
      "setAsActive",
      "tags",
      "verificationCertificate",
    ]);
  });

  it("registers a CA in SNI_ONLY mode without a verification certificate", async () => {
    iot.on(RegisterCACertificateCommand).resolves({ certificateId: CA_ID, certificateArn: CA_ARN });
    await registry.registerCaCertificate({
      caCertificatePem: CA_PEM,
      mode: "SNI_ONLY",
      setAsActive: false,
      allowAutoRegistration: false,
      tags: {},
    });
    const input = iot.commandCalls(RegisterCACertificateCommand)[0]?.args[0].input;
    expect(input).toEqual({
      caCertificate: CA_PEM,
      certificateMode: "SNI_ONLY",
      setAsActive: false,
      allowAutoRegistration: false,
      tags: [],
    });
  });

  it("registers a device certificate with its CA's PEM, or without a CA", async () => {
    iot.on(RegisterCertificateCommand).resolves({ certificateId: CERT_ID, certificateArn: CERT_ARN });
    iot.on(RegisterCertificateWithoutCACommand).resolves({ certificateId: CERT_ID, certificateArn: CERT_ARN });
    const withCa = await registry.registerCertificate({
      certificatePem: DEVICE_PEM,
      caCertificatePem: CA_PEM,
      status: "ACTIVE",
    });
    expect(withCa).toEqual({ certificateId: CERT_ID, certificateArn: CERT_ARN });
    expect(iot).toHaveReceivedCommandExactlyOnceWith(RegisterCertificateCommand, {
      certificatePem: DEVICE_PEM,
      caCertificatePem: CA_PEM,
      status: "ACTIVE",
    });
    await registry.registerCertificate({ certificatePem: DEVICE_PEM, status: "ACTIVE" });
    expect(iot.commandCalls(RegisterCertificateWithoutCACommand)[0]?.args[0].input).toEqual({
      certificatePem: DEVICE_PEM,
      status: "ACTIVE",
    });
  });

  it("asks for the ATS data endpoint once per execution environment", async () => {
    iot.on(DescribeEndpointCommand).resolves({ endpointAddress: "abc123-ats.iot.eu-north-1.amazonaws.com" });
    expect(await registry.dataEndpoint()).toBe("abc123-ats.iot.eu-north-1.amazonaws.com");
    expect(await registry.dataEndpoint()).toBe("abc123-ats.iot.eu-north-1.amazonaws.com");
    expect(iot).toHaveReceivedCommandTimes(DescribeEndpointCommand, 1);
    expect(iot).toHaveReceivedCommandWith(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" });
  });

  it("finds an existing thing whose attributes differ, and sets a certificate's status", async () => {
    iot
      .on(CreateThingCommand)
      .rejects(new ResourceAlreadyExistsException({ message: "exists", $metadata: { httpStatusCode: 409 } }));
    iot.on(DescribeThingCommand).resolves({ thingArn: "arn:aws:iot:eu-north-1:123456789012:thing/sensor-1" });
    iot.on(AttachThingPrincipalCommand).resolves({});
    iot.on(UpdateCertificateCommand).resolves({});
    expect(await registry.ensureThing("sensor-1")).toEqual({
      thingArn: "arn:aws:iot:eu-north-1:123456789012:thing/sensor-1",
    });
    await registry.attachThingPrincipal("sensor-1", CERT_ARN);
    await registry.updateCertificateStatus(CERT_ID, "REVOKED");
    expect(iot).toHaveReceivedCommandWith(AttachThingPrincipalCommand, { thingName: "sensor-1", principal: CERT_ARN });
    expect(iot).toHaveReceivedCommandWith(UpdateCertificateCommand, { certificateId: CERT_ID, newStatus: "REVOKED" });
  });
});

describe("IotCoreRegistry failures", () => {
  it("answers IoT's refusal as problem+json 400 with IoT's code in detail, never a 500", async () => {
    iot.on(RegisterCACertificateCommand).rejects(
      new CertificateValidationException({
        message: "The verification certificate is not signed by the CA",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const failure = await registry
      .registerCaCertificate({
        caCertificatePem: CA_PEM,
        mode: "SNI_ONLY",
        setAsActive: true,
        allowAutoRegistration: false,
        tags: {},
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IotServiceError);
    const response = errorResponse(failure);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).detail).toBe(
      "CertificateValidationException: The verification certificate is not signed by the CA",
    );
  });

  it("answers an existing registration as 409, naming what exists", async () => {
    iot.on(RegisterCertificateCommand).rejects(
      new ResourceAlreadyExistsException({
        message: "The certificate is already provisioned or registered",
        resourceId: CERT_ID,
        resourceArn: CERT_ARN,
        $metadata: { httpStatusCode: 409 },
      }),
    );
    const failure = await registry
      .registerCertificate({ certificatePem: DEVICE_PEM, caCertificatePem: CA_PEM, status: "ACTIVE" })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: "ResourceAlreadyExistsException",
      resourceId: CERT_ID,
      resourceArn: CERT_ARN,
    });
    expect(errorResponse(failure).statusCode).toBe(409);
  });

  it("answers throttling that outlasted the SDK's retries as 503 (safe to retry)", async () => {
    iot
      .on(RegisterCertificateCommand)
      .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 429 } }));
    const failure = await registry
      .registerCertificate({ certificatePem: DEVICE_PEM, caCertificatePem: CA_PEM, status: "ACTIVE" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DependencyError);
    expect((failure as Error).message).toBe("IoT RegisterCertificate failed: 429 ThrottlingException");
    expect(errorResponse(failure).statusCode).toBe(503);
  });

  it("answers refused credentials as a configuration error naming the permission", async () => {
    const denied = Object.assign(new Error("User is not authorized to perform: iot:RegisterCertificate"), {
      name: "AccessDeniedException",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    iot.on(RegisterCertificateCommand).rejects(denied);
    const failure = await registry
      .registerCertificate({ certificatePem: DEVICE_PEM, caCertificatePem: CA_PEM, status: "ACTIVE" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain("iot:RegisterCertificate");
    expect(errorResponse(failure).statusCode).toBe(500);
  });
});
