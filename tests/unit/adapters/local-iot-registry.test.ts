/**
 * LocalIotRegistry, the stand-in for AWS IoT Core without an AWS account,
 * checks what IoT checks and answers IoT's codes: a DEFAULT mode
 * verification certificate must carry the registration code as its CN and be
 * signed by the CA's key; a device certificate registered with its CA must be
 * signed by a registered CA; each certificate registers once; names that IoT
 * refuses never reach a key of the store.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateId, LocalIotRegistry } from "../../../src/adapters/local-iot-registry.js";
import { makeKeyAndCsr } from "../../support/api/openssl-tools.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { MemoryObjectStore } from "../../support/storage/memory-object-store.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

let pki: TestHierarchy;
const workspace = temporaryDirectory("iot-local-registry-");

beforeAll(async () => {
  pki = await createTestHierarchy({ rootName: "local-iot" });
}, 60_000);

afterAll(() => {
  pki?.remove();
  workspace.remove();
});

/** A certificate signed by the devices CA's key (read from the test store), with the given CN. */
function signedByDevicesCa(commonName: string, caKeyPem: string): string {
  const caCert = join(workspace.path, "ca.pem");
  const caKey = join(workspace.path, "ca.key");
  writeFileSync(caCert, pki.devices.record.certificate);
  writeFileSync(caKey, caKeyPem);
  const csr = join(workspace.path, "v.csr");
  writeFileSync(csr, makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName }).csrPem);
  return execFileSync(
    "openssl",
    ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-days", "1", "-set_serial", "7"],
    { encoding: "utf8" },
  );
}

describe("LocalIotRegistry", () => {
  it("registers a CA in DEFAULT mode only with a verification certificate that carries the code and the CA's signature", async () => {
    const store = new MemoryObjectStore();
    const registry = new LocalIotRegistry(store);
    const code = await registry.registrationCode();
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    expect(await registry.registrationCode()).toBe(code);
    const caKey = await pki.repository.getAuthorityPrivateKey(pki.devices.record);
    const ca = pki.devices.record.certificate;
    const base = {
      caCertificatePem: ca,
      mode: "DEFAULT" as const,
      setAsActive: true,
      allowAutoRegistration: false,
      tags: {},
    };

    await expect(
      registry.registerCaCertificate({ ...base, verificationCertificatePem: signedByDevicesCa("not-the-code", caKey) }),
    ).rejects.toMatchObject({ code: "CertificateValidationException" });
    const selfSigned = execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(workspace.path, "s.key"),
        "-subj",
        `/CN=${code}`,
        "-days",
        "1",
      ],
      { encoding: "utf8" },
    );
    await expect(
      registry.registerCaCertificate({ ...base, verificationCertificatePem: selfSigned }),
    ).rejects.toMatchObject({ code: "CertificateValidationException" });
    expect([...store.objects.keys()].filter((key) => key.startsWith("iot/ca_certificates/"))).toEqual([]);

    const registered = await registry.registerCaCertificate({
      ...base,
      verificationCertificatePem: signedByDevicesCa(code, caKey),
    });
    expect(registered).toEqual({
      certificateId: certificateId(ca),
      certificateArn: `arn:aws:iot:local:000000000000:cacert/${certificateId(ca)}`,
      status: "ACTIVE",
    });
    await expect(registry.registerCaCertificate({ ...base, mode: "SNI_ONLY" })).rejects.toMatchObject({
      code: "ResourceAlreadyExistsException",
      resourceId: certificateId(ca),
    });
  });

  it("registers a device certificate with its registered CA once, attaches a thing and a policy, and revokes it", async () => {
    const registry = new LocalIotRegistry(new MemoryObjectStore());
    const device = await pki.issueDevice({ deviceId: "local-iot-device" });
    const request = {
      certificatePem: device.record.certificate,
      caCertificatePem: pki.devices.record.certificate,
      status: "ACTIVE" as const,
    };
    await expect(registry.registerCertificate(request)).rejects.toMatchObject({
      code: "CertificateValidationException",
    });
    await registry.registerCaCertificate({
      caCertificatePem: pki.devices.record.certificate,
      mode: "SNI_ONLY",
      setAsActive: true,
      allowAutoRegistration: false,
      tags: {},
    });
    const registered = await registry.registerCertificate(request);
    expect(registered.certificateId).toBe(certificateId(device.record.certificate));
    await expect(registry.registerCertificate(request)).rejects.toMatchObject({
      code: "ResourceAlreadyExistsException",
    });
    // A certificate of another CA does not register with this one.
    const server = await pki.issueServer({ fqdn: "local-iot.example.com" });
    await expect(
      registry.registerCertificate({ ...request, certificatePem: server.record.certificate }),
    ).rejects.toMatchObject({ code: "CertificateValidationException" });

    await expect(registry.attachThingPrincipal("local-iot-device", registered.certificateArn)).rejects.toMatchObject({
      code: "ResourceNotFoundException",
    });
    await registry.ensureThing("local-iot-device");
    await registry.ensureThing("local-iot-device");
    await registry.attachThingPrincipal("local-iot-device", registered.certificateArn);
    await registry.attachPolicy("device-policy", registered.certificateArn);
    expect(await registry.certificateStatus(registered.certificateId)).toBe("ACTIVE");
    await registry.updateCertificateStatus(registered.certificateId, "REVOKED");
    expect(await registry.certificateStatus(registered.certificateId)).toBe("REVOKED");
  });

  it("refuses thing and policy names that IoT refuses, before any key is written", async () => {
    const store = new MemoryObjectStore();
    const registry = new LocalIotRegistry(store);
    for (const name of ["../escape", "a/b", "", "x".repeat(129)]) {
      await expect(registry.ensureThing(name)).rejects.toMatchObject({ code: "InvalidRequestException" });
    }
    await expect(registry.attachPolicy("../p", "arn")).rejects.toMatchObject({ code: "InvalidRequestException" });
    expect(store.objects.size).toBe(0);
  });
});
