/** Issuing a device certificate: the parsed certificate, its chain, what is stored and in which order. */
import { beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../../../src/core/errors.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { KeyUsageFlags } from "../../../../src/core/x509.js";
import { opensslVerify, splitPemChain } from "../../../support/openssl.js";
import { CLIENT_AUTH, inspectCertificate, isSignedBy, keyMatchesCertificate } from "./inspect-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "./memory-hierarchy.js";

const DAY = 24 * 60 * 60 * 1000;

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

describe("issueDeviceCertificate", () => {
  it("issues a clientAuth certificate named by a random UUID by default, with the issuer chain", async () => {
    const local = copyOf(pki);
    const { record, privateKeyPem } = await issueDeviceCertificate(
      { issuer: "devices", organization: "Acme IoT", keyAlgorithm: "EC-P256" },
      local.repository,
    );
    const device = inspectCertificate(record.certificate);
    const intermediate = inspectCertificate(pki.devices.record.certificate);

    expect(record.subject_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(device.subject).toEqual({ O: ["Acme IoT"], CN: [record.subject_id] });
    expect(device.issuer).toEqual(intermediate.subject);
    expect(await isSignedBy(device.certificate, intermediate.certificate)).toBe(true);
    expect(device.authorityKeyId).toBe(intermediate.subjectKeyId);
    expect(device.basicConstraints).toEqual({ critical: true, ca: false, pathLength: undefined });
    expect(device.keyUsage).toEqual({ critical: true, usages: KeyUsageFlags.digitalSignature });
    expect(device.extendedKeyUsage).toEqual({ critical: false, usages: [CLIENT_AUTH] });
    expect(device.subjectAltNames).toBeUndefined();
    // Default lifetime: 1 year.
    expect(Math.round((device.notAfter.getTime() - Date.now()) / DAY)).toBe(365);

    expect(splitPemChain(record.certificate_chain)).toEqual([
      pki.devices.record.certificate,
      pki.root.record.certificate,
    ]);
    expect(keyMatchesCertificate(privateKeyPem ?? "", device.certificate)).toBe(true);
    expect(record.acm_certificate_arn).toBeUndefined();

    const folder = `device_certificates/${record.subject_id}/${record.serial_number}/`;
    expect(record.folder).toBe(folder);
    expect(local.store.createdKeys().filter((key) => !key.startsWith("inventory/"))).toEqual([
      `${folder}private_key.pem`,
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}certificate.json`,
    ]);
    expect(local.store.body(`${folder}certificate.pem`)).toBe(record.certificate);
    expect(local.store.body(`${folder}certificate_chain.pem`)).toBe(record.certificate_chain);
    expect(local.store.body(`${folder}private_key.pem`)).toBe(privateKeyPem);
    expect(JSON.parse(local.store.body(`${folder}certificate.json`))).toEqual(record);
    expect(local.store.body(`${folder}certificate.json`)).not.toContain("PRIVATE KEY");

    expect(
      opensslVerify({
        trusted: pki.root.record.certificate,
        untrusted: record.certificate_chain,
        certificate: record.certificate,
        purpose: "sslclient",
      }).ok,
    ).toBe(true);
  });

  it("uses the device id and SAN entries asked for", async () => {
    const local = copyOf(pki);
    const { record } = await issueDeviceCertificate(
      {
        deviceId: "sensor-0001",
        issuer: "devices",
        keyAlgorithm: "EC-P256",
        validityDays: 30,
        subjectAltNames: [
          { type: "url", value: "urn:dev:ops:sensor-0001" },
          { type: "url", value: "spiffe://example.org/device/sensor-0001" },
          { type: "dns", value: "sensor-0001.devices.example.com" },
        ],
      },
      local.repository,
    );
    const device = inspectCertificate(record.certificate);
    expect(device.subject).toEqual({ CN: ["sensor-0001"] });
    expect(device.subjectAltNames).toEqual({
      critical: false,
      names: [
        { type: "url", value: "urn:dev:ops:sensor-0001" },
        { type: "url", value: "spiffe://example.org/device/sensor-0001" },
        { type: "dns", value: "sensor-0001.devices.example.com" },
      ],
    });
    expect(record.folder).toBe(`device_certificates/sensor-0001/${record.serial_number}/`);
    expect(Math.round((device.notAfter.getTime() - Date.now()) / DAY)).toBe(30);
  });

  it("issues an Ed25519 device key, signed by the EC intermediate", async () => {
    const local = copyOf(pki);
    const { record, privateKeyPem } = await issueDeviceCertificate(
      { deviceId: "ed-device", issuer: "devices", keyAlgorithm: "Ed25519" },
      local.repository,
    );
    const device = inspectCertificate(record.certificate);
    expect(device.publicKeyAlgorithm).toBe("Ed25519");
    expect(device.signatureAlgorithm).toEqual({ name: "ECDSA", hash: "SHA-256" });
    expect(device.keyUsage?.usages).toBe(KeyUsageFlags.digitalSignature);
    expect(keyMatchesCertificate(privateKeyPem ?? "", device.certificate)).toBe(true);
    expect(record.key_algorithm).toBe("Ed25519");
  });

  it("answers 404 naming `issuer` when the intermediate is missing", async () => {
    const local = copyOf(pki);
    const error = await issueDeviceCertificate({ issuer: "nope", keyAlgorithm: "EC-P256" }, local.repository).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).field).toBe("issuer");
    expect(local.store.createdKeys()).toEqual([]);
  });

  it.each(["../../etc", "a/b", ".hidden", "..", "a\u0000b", "a\\b", "x".repeat(65)])(
    "refuses device id %j before any read or write",
    async (deviceId) => {
      const local = copyOf(pki);
      await expect(
        issueDeviceCertificate({ deviceId, issuer: "devices", keyAlgorithm: "EC-P256" }, local.repository),
      ).rejects.toThrow();
      expect(local.store.operations).toEqual([]);
    },
  );
});
