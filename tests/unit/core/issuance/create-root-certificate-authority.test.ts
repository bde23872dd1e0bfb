/** Creating a root CA: what is signed (parsed back), what is stored, and what is refused before any write. */
import { beforeEach, describe, expect, it } from "vitest";
import { CertificateRepository } from "../../../../src/core/certificate-repository.js";
import { ConflictError, InvalidRequestError } from "../../../../src/core/errors.js";
import { createRootCertificateAuthority } from "../../../../src/core/issuance/create-root-certificate-authority.js";
import { KeyUsageFlags } from "../../../../src/core/x509.js";
import { opensslVerify } from "../../../support/openssl.js";
import { MemoryObjectStore } from "../../../support/storage/memory-object-store.js";
import { inspectCertificate, isSignedBy, keyMatchesCertificate } from "./inspect-certificate.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const context = { clock: () => NOW };

let store: MemoryObjectStore;
let repository: CertificateRepository;

beforeEach(() => {
  store = new MemoryObjectStore();
  repository = new CertificateRepository(store);
});

/** Keys written or deleted, in order, leaving out the inventory index. */
function writes(): string[] {
  return store.operations.flatMap((operation) =>
    operation.op === "get" || operation.op === "list" || operation.key.startsWith("inventory/") ? [] : [operation.key],
  );
}

describe("createRootCertificateAuthority", () => {
  it("self-signs a CA certificate with the requested subject, validity and extensions", async () => {
    const { record, privateKeyPem } = await createRootCertificateAuthority(
      {
        name: "default",
        country: "SE",
        state: "Skane",
        organization: "Acme IoT",
        validityDays: 3650,
        keyAlgorithm: "EC-P256",
      },
      repository,
      context,
    );
    const root = inspectCertificate(record.certificate);

    expect(root.subject).toEqual({ C: ["SE"], ST: ["Skane"], O: ["Acme IoT"], CN: ["default Root CA"] });
    expect(root.issuer).toEqual(root.subject);
    expect(await isSignedBy(root.certificate, root.certificate)).toBe(true);
    expect(root.notBefore.getTime()).toBe(NOW.getTime() - 5 * 60 * 1000);
    expect(root.notAfter.getTime()).toBe(NOW.getTime() + 3650 * DAY);
    expect(root.signatureAlgorithm).toEqual({ name: "ECDSA", hash: "SHA-256" });
    expect(root.publicKeyAlgorithm).toBe("ECDSA");

    expect(root.basicConstraints).toEqual({ critical: true, ca: true, pathLength: undefined });
    expect(root.keyUsage).toEqual({ critical: true, usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign });
    expect(root.extendedKeyUsage).toBeUndefined();
    expect(root.subjectAltNames).toBeUndefined();
    expect(root.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);

    // A CA's key never leaves the service.
    expect(privateKeyPem).toBeUndefined();
    expect(record.certificate).not.toContain("PRIVATE KEY");
    expect(record).toEqual({
      kind: "root",
      subject_id: "default",
      serial_number: root.serialNumber,
      key_algorithm: "EC-P256",
      not_before: root.notBefore.toISOString(),
      not_after: root.notAfter.toISOString(),
      created_at: NOW.toISOString(),
      folder: `root_ca/default/${root.serialNumber}/`,
      certificate: record.certificate,
      certificate_chain: record.certificate,
      key_storage: "s3",
    });
    expect(root.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);

    expect(opensslVerify({ trusted: record.certificate, certificate: record.certificate }).ok).toBe(true);
  });

  it("stores the key and certificate in the serial folder, and ca.json last", async () => {
    const { record } = await createRootCertificateAuthority({ name: "lab", keyAlgorithm: "EC-P256" }, repository);
    const folder = `root_ca/lab/${record.serial_number}/`;
    expect(writes()).toEqual([`${folder}private_key.pem`, `${folder}certificate.pem`, "root_ca/lab/ca.json"]);
    expect(store.body(`${folder}certificate.pem`)).toBe(record.certificate);
    expect(
      keyMatchesCertificate(store.body(`${folder}private_key.pem`), inspectCertificate(record.certificate).certificate),
    ).toBe(true);
    expect(JSON.parse(store.body("root_ca/lab/ca.json"))).toEqual(record);
    expect(store.body("root_ca/lab/ca.json")).not.toContain("PRIVATE KEY");
  });

  it("uses the common name asked for and an RSA key by default", async () => {
    const { record } = await createRootCertificateAuthority({ commonName: "Acme Dev Root CA" }, repository);
    const root = inspectCertificate(record.certificate);
    expect(record.subject_id).toBe("default");
    expect(record.key_algorithm).toBe("RSA-2048");
    expect(root.subject).toEqual({ CN: ["Acme Dev Root CA"] });
    expect(root.signatureAlgorithm).toEqual({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" });
    // The default lifetime: 10 years.
    expect(root.notAfter.getTime() - root.notBefore.getTime()).toBe(3650 * DAY + 5 * 60 * 1000);
  });

  it("refuses an existing name with a 409 before generating a key, leaving the first root untouched", async () => {
    await createRootCertificateAuthority({ name: "default", keyAlgorithm: "EC-P256" }, repository);
    const before = store.snapshot();
    store.clearOperations();
    const error = await createRootCertificateAuthority({ name: "default", keyAlgorithm: "EC-P256" }, repository).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).field).toBe("name");
    expect(store.snapshot()).toEqual(before);
    expect(writes()).toEqual([]);
  });

  it.each([
    [{ keyAlgorithm: "Ed25519" as const }, "key_algorithm"],
    [{ validityDays: 0 }, "validity_days"],
    [{ validityDays: 9126 }, "validity_days"],
    [{ country: "Sweden" }, "country"],
    [{ commonName: "x".repeat(65) }, "common_name"],
  ])("refuses %j naming %s, and writes nothing", async (request, field) => {
    const error = await createRootCertificateAuthority({ keyAlgorithm: "EC-P256", ...request }, repository).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).toBe(field);
    expect(writes()).toEqual([]);
  });

  it("refuses an unsafe name before any read or write", async () => {
    await expect(
      createRootCertificateAuthority({ name: "../../etc", keyAlgorithm: "EC-P256" }, repository),
    ).rejects.toThrow();
    expect(store.operations).toEqual([]);
  });
});
