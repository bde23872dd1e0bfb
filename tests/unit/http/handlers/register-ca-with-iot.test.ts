/**
 * `POST /certificates/{root|intermediate}/{name}/iot-registration` in the S3
 * configuration: the handler, the use case and the real IotCoreRegistry on an
 * IoT client mocked with aws-sdk-client-mock (moto does not check what a
 * RegisterCACertificate carries), on the port-level fake of S3. Asserts the
 * exact RegisterCACertificate input (the CA's own PEM, the verification
 * certificate this service signed, the JITP configuration with the
 * deployment's role, the tags), the 201 body, what is written, IoT's refusals
 * as problem+json with IoT's code, and the recovery of a registration whose
 * record was lost. The verification certificate is proven with openssl.
 */
import {
  CertificateValidationException,
  DescribeCACertificateCommand,
  DescribeEndpointCommand,
  GetRegistrationCodeCommand,
  IoTClient,
  LimitExceededException,
  RegisterCACertificateCommand,
  ResourceAlreadyExistsException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { certificateId } from "../../../../src/adapters/local-iot-registry.js";
import { DEFAULT_PROVISIONING_TEMPLATE_BODY } from "../../../../src/core/iot/default-provisioning-template.js";
import { handler as getHandler } from "../../../../src/http/handlers/get-certificate.js";
import { handler } from "../../../../src/http/handlers/register-ca-with-iot.js";
import type { RecordingObjectStore } from "../../../support/api/memory-bucket.js";
import { opensslText, opensslVerify } from "../../../support/openssl.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import { apiEvent, expectProblem, issuerMaterial, json, setUpServices } from "./handler-harness.js";

const ROLE = "arn:aws:iam::123456789012:role/stack-IotProvisioningRole-ABC";
const CODE = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-north-1.amazonaws.com";
const ARN_PREFIX = "arn:aws:iot:eu-north-1:123456789012:cacert/";

const iot = mockClient(IoTClient);
let pki: MemoryHierarchy;
let store: RecordingObjectStore;

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ store } = setUpServices(pki));
  vi.stubEnv("IOT_PROVISIONING_ROLE_ARN", ROLE);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  iot.reset();
  iot.on(DescribeEndpointCommand).resolves({ endpointAddress: ENDPOINT });
  iot.on(GetRegistrationCodeCommand).resolves({ registrationCode: CODE });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  iot.reset();
});

function register(kind: "root" | "intermediate", name: string, body: unknown) {
  return handler(
    apiEvent({
      method: "POST",
      resource: `/certificates/${kind}/{name}/iot-registration`,
      path: `/certificates/${kind}/${name}/iot-registration`,
      pathParameters: { name },
      body,
    }),
  );
}

function iotRecords(): string[] {
  return [...store.objects.keys()].filter((key) => key.startsWith("iot_registrations/"));
}

describe("POST /certificates/{kind}/{name}/iot-registration on AWS IoT Core (SDK mocked)", () => {
  it("sends RegisterCACertificate exactly: the CA's PEM, DEFAULT mode, the signed verification certificate, JITP, tags", async () => {
    const id = certificateId(pki.devices.record.certificate);
    iot.on(RegisterCACertificateCommand).resolves({ certificateId: id, certificateArn: `${ARN_PREFIX}${id}` });

    const result = await register("intermediate", "devices", {
      mode: "DEFAULT",
      provisioning: { template: "default" },
    });
    expect(result.statusCode, result.body).toBe(201);
    const body = json(result);

    expect(iot).toHaveReceivedCommandTimes(RegisterCACertificateCommand, 1);
    expect(iot).toHaveReceivedCommandWith(RegisterCACertificateCommand, {
      caCertificate: pki.devices.record.certificate,
      certificateMode: "DEFAULT",
      verificationCertificate: body.verification_certificate,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody: DEFAULT_PROVISIONING_TEMPLATE_BODY, roleArn: ROLE },
      tags: [
        { Key: "iot-certificates:ca-kind", Value: "intermediate" },
        { Key: "iot-certificates:ca-name", Value: "devices" },
      ],
    });
    const sent = iot.commandCalls(RegisterCACertificateCommand)[0]?.args[0].input;
    expect(Object.keys(sent ?? {}).sort()).toEqual(
      [
        "allowAutoRegistration",
        "caCertificate",
        "certificateMode",
        "registrationConfig",
        "setAsActive",
        "tags",
        "verificationCertificate",
      ].sort(),
    );
    expect(iot).toHaveReceivedCommandWith(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" });

    // The verification certificate: CN the code IoT gave, signed by `devices` (openssl, up to the root).
    expect(opensslText(body.verification_certificate)).toMatch(new RegExp(`Subject: CN ?= ?${CODE}\\n`));
    expect(
      opensslVerify({
        trusted: pki.root.record.certificate,
        untrusted: pki.devices.record.certificate,
        certificate: body.verification_certificate,
      }).ok,
    ).toBe(true);

    expect(body).toEqual({
      message: "The intermediate CA is registered with AWS IoT Core.",
      kind: "intermediate",
      name: "devices",
      ca_certificate_id: id,
      ca_certificate_arn: `${ARN_PREFIX}${id}`,
      mode: "DEFAULT",
      status: "ACTIVE",
      iot_data_endpoint: ENDPOINT,
      allow_auto_registration: true,
      provisioning_template: "default",
      provisioning_role_arn: ROLE,
      registered_at: expect.any(String),
      registration_code: CODE,
      verification_certificate: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/),
    });
    expect(body.verification_certificate).not.toContain("PRIVATE KEY");
    const { message: _m, kind: _k, name: _n, registration_code: _c, verification_certificate: _v, ...record } = body;
    expect(iotRecords()).toEqual(["iot_registrations/intermediate/devices.json"]);
    expect(JSON.parse(store.objects.get("iot_registrations/intermediate/devices.json") ?? "")).toEqual(record);

    // GET shows it.
    const shown = await getHandler(
      apiEvent({
        method: "GET",
        resource: "/certificates/intermediate/{name}",
        pathParameters: { name: "devices" },
      }),
    );
    expect(json(shown).iot_registration).toEqual(record);
  });

  it("SNI_ONLY by default: no registration code asked, no verification certificate sent", async () => {
    const id = certificateId(pki.root.record.certificate);
    iot.on(RegisterCACertificateCommand).resolves({ certificateId: id, certificateArn: `${ARN_PREFIX}${id}` });
    const result = await register("root", "default", undefined);
    expect(result.statusCode, result.body).toBe(201);
    expect(iot).toHaveReceivedCommandWith(RegisterCACertificateCommand, {
      caCertificate: pki.root.record.certificate,
      certificateMode: "SNI_ONLY",
      setAsActive: true,
      allowAutoRegistration: false,
    });
    const sent = iot.commandCalls(RegisterCACertificateCommand)[0]?.args[0].input;
    expect(sent?.verificationCertificate).toBeUndefined();
    expect(sent?.registrationConfig).toBeUndefined();
    expect(iot).not.toHaveReceivedCommand(GetRegistrationCodeCommand);
    expect(json(result)).not.toHaveProperty("registration_code");
  });

  it.each([
    [
      "CertificateValidationException",
      new CertificateValidationException({ message: "bad verification", $metadata: { httpStatusCode: 400 } }),
      400,
    ],
    [
      "LimitExceededException",
      new LimitExceededException({ message: "10 CAs with this subject", $metadata: { httpStatusCode: 410 } }),
      409,
    ],
  ] as const)(
    "answers IoT's %s as problem+json with the code in detail, writing nothing",
    async (code, error, status) => {
      iot.on(RegisterCACertificateCommand).rejects(error);
      const result = await register("intermediate", "devices", { mode: "DEFAULT" });
      const problem = expectProblem(result, status);
      expect(problem.detail).toMatch(new RegExp(`^${code}: `));
      expect(iotRecords()).toEqual([]);
    },
  );

  it("recovers a registration whose record was lost: DescribeCACertificate by the CA's id, recorded, not registered twice", async () => {
    const id = certificateId(pki.devices.record.certificate);
    iot.on(RegisterCACertificateCommand).rejects(
      new ResourceAlreadyExistsException({
        message: "The certificate is already provisioned or registered",
        resourceId: id,
        resourceArn: `${ARN_PREFIX}${id}`,
        $metadata: { httpStatusCode: 409 },
      }),
    );
    iot.on(DescribeCACertificateCommand, { certificateId: id }).resolves({
      certificateDescription: {
        certificateId: id,
        certificateArn: `${ARN_PREFIX}${id}`,
        status: "ACTIVE",
        certificateMode: "SNI_ONLY",
        autoRegistrationStatus: "ENABLE",
      },
      registrationConfig: { templateBody: DEFAULT_PROVISIONING_TEMPLATE_BODY, roleArn: ROLE },
    });
    const result = await register("intermediate", "devices", { provisioning: { template: "default" } });
    expect(result.statusCode, result.body).toBe(201);
    expect(json(result)).toMatchObject({
      message: expect.stringContaining("had registered this intermediate CA already"),
      ca_certificate_id: id,
      mode: "SNI_ONLY",
      status: "ACTIVE",
      allow_auto_registration: true,
      provisioning_template: "default",
      provisioning_role_arn: ROLE,
    });
    expect(iot).toHaveReceivedCommandTimes(RegisterCACertificateCommand, 1);
    expect(iot).toHaveReceivedCommandWith(DescribeCACertificateCommand, { certificateId: id });
    expect(iotRecords()).toEqual(["iot_registrations/intermediate/devices.json"]);

    // And from then on: 409 naming the id, IoT not called again.
    const again = await register("intermediate", "devices", {});
    expect(expectProblem(again, 409, "name").detail).toContain(id);
    expect(iot).toHaveReceivedCommandTimes(RegisterCACertificateCommand, 1);
  });

  it("refuses bad bodies with 400 naming the field, before any IoT call", async () => {
    for (const [body, field] of [
      [{ mode: "STRICT" }, "mode"],
      [{ set_as_active: "yes" }, "set_as_active"],
      [{ provisioning: { template: "default", role_arn: "role/x" } }, "provisioning.role_arn"],
      [{ provisioning: { template: { Parameters: {} } } }, "provisioning.template"],
      [{ provisioning: {} }, "provisioning.template"],
      [{ extra: 1 }, "extra"],
    ] as const) {
      expectProblem(await register("intermediate", "devices", body), 400, field);
    }
    expect(iot.calls()).toEqual([]);
    expect(iotRecords()).toEqual([]);
  });

  it("refuses a path that is not a CA name (400) and a CA that does not exist (404)", async () => {
    expectProblem(await register("intermediate", "Bad_Name", {}), 400, "name");
    expectProblem(await register("root", "nope", {}), 404, "name");
    expect(iot.calls()).toEqual([]);
  });
});
