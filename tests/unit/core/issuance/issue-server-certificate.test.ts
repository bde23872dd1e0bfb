/**
 * Issuing a server certificate: the parsed certificate (subject, issuer,
 * validity, extensions, SANs), its chain, the ACM import (exact material),
 * and the ordering that keeps a failed import from looking issued.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DependencyError, InvalidRequestError, NotFoundError } from "../../../../src/core/errors.js";
import { issueServerCertificate } from "../../../../src/core/issuance/issue-server-certificate.js";
import { KeyUsageFlags } from "../../../../src/core/x509.js";
import { opensslVerify, splitPemChain } from "../../../support/openssl.js";
import { inspectCertificate, isSignedBy, keyMatchesCertificate, SERVER_AUTH } from "./inspect-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy, RecordingImporter } from "./memory-hierarchy.js";

const DAY = 24 * 60 * 60 * 1000;
const FQDN = "broker.dev.example.com";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

function certificateKeys(hierarchy: MemoryHierarchy, prefix = "server_certificates/"): string[] {
  return hierarchy.store.keys().filter((key) => key.startsWith(prefix));
}

describe("issueServerCertificate", () => {
  it("issues a serverAuth certificate for the fqdn, signed by the intermediate, with the issuer chain", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter(local.store);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { record, privateKeyPem } = await issueServerCertificate(
      {
        fqdn: FQDN,
        issuer: "servers",
        country: "SE",
        state: "Skane",
        organization: "Acme IoT",
        validityDays: 90,
        keyAlgorithm: "EC-P256",
        subjectAltNames: [
          { type: "dns", value: "*.dev.example.com" },
          { type: "dns", value: FQDN },
          { type: "ip", value: "192.0.2.10" },
          { type: "ip", value: "2001:db8::10" },
        ],
      },
      local.repository,
      importer,
      { clock: () => now },
    );
    const server = inspectCertificate(record.certificate);
    const intermediate = inspectCertificate(pki.servers.record.certificate);

    expect(server.subject).toEqual({ C: ["SE"], ST: ["Skane"], O: ["Acme IoT"], CN: [FQDN] });
    expect(server.issuer).toEqual(intermediate.subject);
    expect(await isSignedBy(server.certificate, intermediate.certificate)).toBe(true);
    expect(server.authorityKeyId).toBe(intermediate.subjectKeyId);
    expect(server.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(server.notBefore.getTime()).toBe(Math.max(now.getTime() - 5 * 60 * 1000, intermediate.notBefore.getTime()));
    expect(server.notAfter.getTime()).toBe(now.getTime() + 90 * DAY);

    expect(server.basicConstraints).toEqual({ critical: true, ca: false, pathLength: undefined });
    expect(server.keyUsage).toEqual({ critical: true, usages: KeyUsageFlags.digitalSignature });
    expect(server.extendedKeyUsage).toEqual({ critical: false, usages: [SERVER_AUTH] });
    // The fqdn first, then the extras; the duplicate of the fqdn is dropped.
    expect(server.subjectAltNames).toEqual({
      critical: false,
      names: [
        { type: "dns", value: FQDN },
        { type: "dns", value: "*.dev.example.com" },
        { type: "ip", value: "192.0.2.10" },
        { type: "ip", value: "2001:db8::10" },
      ],
    });

    // The chain is the issuer's: intermediate then root, without the leaf.
    expect(splitPemChain(record.certificate_chain)).toEqual([
      pki.servers.record.certificate,
      pki.root.record.certificate,
    ]);
    expect(privateKeyPem).toContain("-----BEGIN PRIVATE KEY-----");
    expect(keyMatchesCertificate(privateKeyPem ?? "", server.certificate)).toBe(true);
    expect(record).toMatchObject({
      kind: "server",
      subject_id: FQDN,
      issuer: "servers",
      serial_number: server.serialNumber,
      folder: `server_certificates/${FQDN}/${server.serialNumber}/`,
      acm_certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/test-1",
    });

    const verdict = opensslVerify({
      trusted: pki.root.record.certificate,
      untrusted: record.certificate_chain,
      certificate: record.certificate,
      purpose: "sslserver",
    });
    expect(verdict.output).toContain("OK");
    expect(verdict.ok).toBe(true);
  });

  it("imports exactly the certificate, its key and the issuer chain, tagged, before recording it", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter(local.store);
    const { record, privateKeyPem } = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256" },
      local.repository,
      importer,
    );
    expect(importer.requests).toHaveLength(1);
    const [{ request, storeKeys }] = importer.requests as [(typeof importer.requests)[number]];
    expect(request).toEqual({
      certificatePem: record.certificate,
      privateKeyPem,
      certificateChainPem: record.certificate_chain,
      tags: { "iot-certificates:serial-number": record.serial_number, "iot-certificates:fqdn": FQDN },
    });
    const folder = `server_certificates/${FQDN}/${record.serial_number}/`;
    // At import time: the PEMs are written, the record is not.
    expect(storeKeys.filter((key) => key.startsWith(folder))).toEqual([
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}private_key.pem`,
    ]);
    expect(storeKeys.some((key) => key.startsWith("inventory/server/"))).toBe(false);
    // After: the record, with the ARN, written after every PEM.
    const written = local.store.createdKeys().filter((key) => key.startsWith(folder));
    expect(written).toEqual([
      `${folder}private_key.pem`,
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}certificate.json`,
    ]);
    expect(JSON.parse(local.store.body(`${folder}certificate.json`))).toEqual(record);
    expect(local.store.body(`${folder}private_key.pem`)).toBe(privateKeyPem);
  });

  it("records nothing when the ACM import fails, and says to retry", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter(local.store);
    importer.failWith = new Error("ACM is down");
    const error = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256" },
      local.repository,
      importer,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as Error).message).toContain("retry");
    expect((error as Error).cause).toBe(importer.failWith);
    expect(local.store.keys().some((key) => key.endsWith("/certificate.json"))).toBe(false);
    expect(local.store.keys().some((key) => key.startsWith("inventory/server/"))).toBe(false);
  });

  it("keeps the earlier certificate when the same fqdn is issued again", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter();
    const first = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256" },
      local.repository,
      importer,
    );
    const firstFiles = Object.fromEntries(certificateKeys(local).map((key) => [key, local.store.body(key)] as const));
    const second = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256" },
      local.repository,
      importer,
    );
    expect(second.record.serial_number).not.toBe(first.record.serial_number);
    const folders = new Set(certificateKeys(local).map((key) => key.split("/").slice(0, 3).join("/")));
    expect([...folders].sort()).toEqual(
      [first, second].map((issued) => `server_certificates/${FQDN}/${issued.record.serial_number}`).sort(),
    );
    for (const [key, body] of Object.entries(firstFiles)) expect(local.store.body(key)).toBe(body);
  });

  it("adds keyEncipherment for an RSA key", async () => {
    const local = copyOf(pki);
    const { record } = await issueServerCertificate(
      { fqdn: "rsa.example.com", issuer: "servers", keyAlgorithm: "RSA-2048" },
      local.repository,
      new RecordingImporter(),
    );
    const server = inspectCertificate(record.certificate);
    expect(server.keyUsage?.usages).toBe(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment);
    expect(server.publicKeyAlgorithm).toBe("RSASSA-PKCS1-v1_5");
    // Signed by the EC intermediate.
    expect(server.signatureAlgorithm).toEqual({ name: "ECDSA", hash: "SHA-256" });
  });

  it("refuses an Ed25519 key (ACM cannot import it) before touching anything", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter();
    const error = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "Ed25519" },
      local.repository,
      importer,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).toBe("key_algorithm");
    expect(local.store.operations).toEqual([]);
    expect(importer.requests).toEqual([]);
  });

  it("answers 404 naming `issuer` for a missing intermediate (a root cannot sign servers)", async () => {
    for (const issuer of ["nope", undefined]) {
      const local = copyOf(pki);
      const error = await issueServerCertificate(
        { fqdn: FQDN, issuer, keyAlgorithm: "EC-P256" },
        local.repository,
        new RecordingImporter(),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).field).toBe("issuer");
      expect(local.store.createdKeys()).toEqual([]);
    }
  });

  it("refuses a validity outliving the intermediate, or truncates it when asked", async () => {
    const local = copyOf(pki);
    const importer = new RecordingImporter();
    const error = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256", validityDays: 3000 },
      local.repository,
      importer,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).toBe("validity_days");
    expect((error as Error).message).toContain(pki.servers.record.not_after);
    expect(local.store.createdKeys()).toEqual([]);

    const { record } = await issueServerCertificate(
      { fqdn: FQDN, issuer: "servers", keyAlgorithm: "EC-P256", validityDays: 3000, validityBehavior: "truncate" },
      local.repository,
      importer,
    );
    expect(record.not_after).toBe(pki.servers.record.not_after);
  });

  it.each(["../../etc", "a/b", "%2e%2e", "a\\b", "a\u0000b", "ｅxample.com", "/etc/passwd", "a".repeat(300)])(
    "refuses fqdn %j before any read, write or import",
    async (fqdn) => {
      const local = copyOf(pki);
      const importer = new RecordingImporter();
      await expect(
        issueServerCertificate({ fqdn, issuer: "servers", keyAlgorithm: "EC-P256" }, local.repository, importer),
      ).rejects.toThrow();
      expect(local.store.operations).toEqual([]);
      expect(importer.requests).toEqual([]);
    },
  );
});
