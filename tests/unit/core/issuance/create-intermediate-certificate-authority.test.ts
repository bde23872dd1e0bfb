/** Creating an intermediate CA: signed by the root (parsed back), chain order, validity bounds, refusals. */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidRequestError, NotFoundError } from "../../../../src/core/errors.js";
import { createIntermediateCertificateAuthority } from "../../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { KeyUsageFlags } from "../../../../src/core/x509.js";
import { opensslVerify, splitPemChain } from "../../../support/openssl.js";
import { inspectCertificate, isSignedBy, keyMatchesCertificate } from "./inspect-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "./memory-hierarchy.js";

const DAY = 24 * 60 * 60 * 1000;

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy({ rootValidityDays: 3650 });
});

function writesOf(hierarchy: MemoryHierarchy): string[] {
  return hierarchy.store.operations.flatMap((operation) =>
    (operation.op === "putIfAbsent" || operation.op === "delete") && !operation.key.startsWith("inventory/")
      ? [operation.key]
      : [],
  );
}

describe("createIntermediateCertificateAuthority", () => {
  it("signs a path-length-0 CA with the root, its chain being itself then the root", async () => {
    const local = copyOf(pki);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { record, privateKeyPem } = await createIntermediateCertificateAuthority(
      {
        name: "lab",
        issuer: "default",
        country: "SE",
        organization: "Acme IoT",
        keyAlgorithm: "EC-P256",
        validityDays: 1000,
      },
      local.repository,
      { clock: () => now },
    );
    const root = inspectCertificate(pki.root.record.certificate);
    const intermediate = inspectCertificate(record.certificate);

    expect(intermediate.subject).toEqual({ C: ["SE"], O: ["Acme IoT"], CN: ["lab Intermediate CA"] });
    expect(intermediate.issuer).toEqual(root.subject);
    expect(await isSignedBy(intermediate.certificate, root.certificate)).toBe(true);
    expect(await isSignedBy(intermediate.certificate, intermediate.certificate)).toBe(false);
    expect(intermediate.authorityKeyId).toBe(root.subjectKeyId);
    expect(intermediate.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(intermediate.subjectKeyId).not.toBe(root.subjectKeyId);

    expect(intermediate.basicConstraints).toEqual({ critical: true, ca: true, pathLength: 0 });
    expect(intermediate.keyUsage).toEqual({
      critical: true,
      usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign,
    });
    expect(intermediate.extendedKeyUsage).toBeUndefined();
    expect(intermediate.signatureAlgorithm).toEqual({ name: "ECDSA", hash: "SHA-256" });

    expect(intermediate.notBefore.getTime()).toBe(Math.max(now.getTime() - 5 * 60 * 1000, root.notBefore.getTime()));
    expect(intermediate.notAfter.getTime()).toBe(now.getTime() + 1000 * DAY);

    expect(splitPemChain(record.certificate_chain)).toEqual([record.certificate, pki.root.record.certificate]);
    expect(record).toMatchObject({
      kind: "intermediate",
      subject_id: "lab",
      issuer: "default",
      serial_number: intermediate.serialNumber,
      key_algorithm: "EC-P256",
      folder: `intermediate_ca/lab/${intermediate.serialNumber}/`,
    });
    expect(privateKeyPem).toBeUndefined();

    const folder = `intermediate_ca/lab/${record.serial_number}/`;
    expect(writesOf(local)).toEqual([
      `${folder}private_key.pem`,
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      "intermediate_ca/lab/ca.json",
    ]);
    expect(local.store.body(`${folder}certificate_chain.pem`)).toBe(record.certificate_chain);
    expect(keyMatchesCertificate(local.store.body(`${folder}private_key.pem`), intermediate.certificate)).toBe(true);
    expect(local.store.body("intermediate_ca/lab/ca.json")).not.toContain("PRIVATE KEY");

    expect(opensslVerify({ trusted: pki.root.record.certificate, certificate: record.certificate }).ok).toBe(true);
  });

  it("defaults to 5 years", async () => {
    const local = copyOf(pki);
    const { record } = await createIntermediateCertificateAuthority(
      { name: "five", keyAlgorithm: "EC-P256" },
      local.repository,
    );
    expect(record.issuer).toBe("default");
    const intermediate = inspectCertificate(record.certificate);
    expect(Math.round((intermediate.notAfter.getTime() - Date.now()) / DAY)).toBe(1825);
  });

  it("refuses a validity outliving the root, naming the latest allowed date, and writes nothing", async () => {
    const local = copyOf(pki);
    const rootNotAfter = new Date(pki.root.record.not_after);
    const error = await createIntermediateCertificateAuthority(
      { name: "long", keyAlgorithm: "EC-P256", validityDays: 4000 },
      local.repository,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).toBe("validity_days");
    expect((error as Error).message).toContain(rootNotAfter.toISOString());
    expect(writesOf(local)).toEqual([]);
  });

  it("truncates to the root's notAfter when asked to", async () => {
    const local = copyOf(pki);
    const { record } = await createIntermediateCertificateAuthority(
      { name: "long", keyAlgorithm: "EC-P256", validityDays: 4000, validityBehavior: "truncate" },
      local.repository,
    );
    expect(inspectCertificate(record.certificate).notAfter.toISOString()).toBe(pki.root.record.not_after);
  });

  it("answers 404 naming `issuer` for a missing root, and writes nothing", async () => {
    const local = copyOf(pki);
    // `servers` exists, but as an intermediate: an intermediate is signed by a root only.
    for (const issuer of ["nope", "servers"]) {
      const error = await createIntermediateCertificateAuthority(
        { name: "lab", issuer, keyAlgorithm: "EC-P256" },
        local.repository,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).field).toBe("issuer");
    }
    expect(writesOf(local)).toEqual([]);
  });

  it("answers 409 for an existing name and leaves the existing intermediate untouched", async () => {
    const local = copyOf(pki);
    const before = local.store.snapshot();
    const error = await createIntermediateCertificateAuthority(
      { name: "servers", keyAlgorithm: "EC-P256" },
      local.repository,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(local.store.snapshot()).toEqual(before);
    expect(writesOf(local)).toEqual([]);
  });

  it("refuses an Ed25519 CA key, naming key_algorithm", async () => {
    const local = copyOf(pki);
    const error = await createIntermediateCertificateAuthority(
      { name: "ed", keyAlgorithm: "Ed25519" },
      local.repository,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).field).toBe("key_algorithm");
    expect(local.store.operations).toEqual([]);
  });

  it("keeps only one of two concurrent creations of one name", async () => {
    const local = copyOf(pki);
    const results = await Promise.allSettled(
      [1, 2].map(() =>
        createIntermediateCertificateAuthority({ name: "race", keyAlgorithm: "EC-P256" }, local.repository),
      ),
    );
    expect(results.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    const winner = (
      results.find((result) => result.status === "fulfilled") as PromiseFulfilledResult<{
        record: { serial_number: string };
      }>
    ).value.record;
    expect(local.store.keys().filter((key) => key.startsWith("intermediate_ca/race/"))).toEqual([
      ...["certificate.pem", "certificate_chain.pem", "private_key.pem"].map(
        (file) => `intermediate_ca/race/${winner.serial_number}/${file}`,
      ),
      "intermediate_ca/race/ca.json",
    ]);
  });
});
