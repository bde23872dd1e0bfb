/**
 * The IoT Core adapter against moto_server's IoT service (a real IoT protocol
 * server): what it registers is what the SDK reads back, and IoT's refusals
 * come back as IotServiceError with IoT's code.
 */
import {
  CreatePolicyCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListPrincipalThingsCommand,
  ListTargetsForPolicyCommand,
} from "@aws-sdk/client-iot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IotCoreRegistry } from "../../../src/adapters/iot-core-registry.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";

let moto: MotoServer;
let client: IoTClient;
let registry: IotCoreRegistry;
let pki: TestHierarchy;

beforeAll(async () => {
  [moto, pki] = await Promise.all([startMotoServer(), createTestHierarchy({ rootName: "iot-adapter" })]);
  client = new IoTClient({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  registry = new IotCoreRegistry(client);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  pki?.remove();
  await moto?.stop();
});

describe("IotCoreRegistry on moto_server", () => {
  it("answers the account's ATS data endpoint and a registration code", async () => {
    expect(await registry.dataEndpoint()).toMatch(/-ats\.iot\.us-east-1\.amazonaws\.com$/);
    // AWS answers 64 hex digits; moto a UUID.
    expect(await registry.registrationCode()).toMatch(/^[0-9a-f-]{32,64}$/);
  });

  it("registers a CA in SNI_ONLY mode, ACTIVE with its PEM", async () => {
    const ca = pki.devices.record.certificate;
    const registered = await registry.registerCaCertificate({
      caCertificatePem: ca,
      mode: "SNI_ONLY",
      setAsActive: true,
      allowAutoRegistration: false,
      tags: { "iot-certificates:ca-name": "devices" },
    });
    expect(registered.status).toBe("ACTIVE");
    const { certificateDescription } = await client.send(
      new DescribeCACertificateCommand({ certificateId: registered.certificateId }),
    );
    expect(certificateDescription).toMatchObject({
      status: "ACTIVE",
      certificatePem: ca,
      certificateArn: registered.certificateArn,
    });
  });

  it("registers a device certificate with its CA, attaches a thing and a policy, and revokes it", async () => {
    const device = await pki.issueDevice({ deviceId: "moto-device-1" });
    const registered = await registry.registerCertificate({
      certificatePem: device.record.certificate,
      caCertificatePem: pki.devices.record.certificate,
      status: "ACTIVE",
    });
    // A second registration is refused, naming the registered certificate (what a retry recovers with).
    const again = registry.registerCertificate({
      certificatePem: device.record.certificate,
      caCertificatePem: pki.devices.record.certificate,
      status: "ACTIVE",
    });
    await expect(again).rejects.toMatchObject({
      name: "IotServiceError",
      code: "ResourceAlreadyExistsException",
      resourceId: registered.certificateId,
      resourceArn: registered.certificateArn,
    });
    const { thingArn } = await registry.ensureThing("moto-device-1");
    // A second ensure finds the thing rather than failing.
    expect(await registry.ensureThing("moto-device-1")).toEqual({ thingArn });
    await registry.attachThingPrincipal("moto-device-1", registered.certificateArn);
    await client.send(new CreatePolicyCommand({ policyName: "device-policy", policyDocument: POLICY }));
    await registry.attachPolicy("device-policy", registered.certificateArn);

    const described = await client.send(new DescribeCertificateCommand({ certificateId: registered.certificateId }));
    expect(described.certificateDescription).toMatchObject({
      status: "ACTIVE",
      certificatePem: device.record.certificate,
    });
    const things = await client.send(new ListPrincipalThingsCommand({ principal: registered.certificateArn }));
    expect(things.things).toEqual(["moto-device-1"]);
    const targets = await client.send(new ListTargetsForPolicyCommand({ policyName: "device-policy" }));
    expect(targets.targets).toContain(registered.certificateArn);

    await registry.updateCertificateStatus(registered.certificateId, "REVOKED");
    const revoked = await client.send(new DescribeCertificateCommand({ certificateId: registered.certificateId }));
    expect(revoked.certificateDescription?.status).toBe("REVOKED");
  });

  it("registers a certificate without its CA", async () => {
    const device = await pki.issueDevice({ deviceId: "moto-device-2" });
    const registered = await registry.registerCertificate({
      certificatePem: device.record.certificate,
      status: "ACTIVE",
    });
    const described = await client.send(new DescribeCertificateCommand({ certificateId: registered.certificateId }));
    expect(described.certificateDescription).toMatchObject({
      status: "ACTIVE",
      certificatePem: device.record.certificate,
    });
  });

  it("answers IoT's refusal of an unknown certificate as IotServiceError ResourceNotFoundException", async () => {
    const update = registry.updateCertificateStatus("0".repeat(64), "REVOKED");
    await expect(update).rejects.toMatchObject({ name: "IotServiceError", code: "ResourceNotFoundException" });
  });
});

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }],
});
