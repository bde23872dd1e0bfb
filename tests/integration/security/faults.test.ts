/**
 * A dependency may fail at any step; nothing half-done may ever be visible.
 *
 * The whole issuance of a PKI (root, intermediate, server certificate with
 * its ACM import, device certificate) runs through the core use cases on a
 * FileObjectStore, with the k-th call to storage or ACM failing, for every k
 * and for both kinds of failure: the call refused (`before`), or the call
 * done but its answer lost (`after`). For each k:
 *
 * - the error maps (src/http/problem.ts) to 503 with Retry-After, with no
 *   stack trace or key in the body or the logs;
 * - the material of CAs that existed before is byte-identical after;
 * - every committed record (`ca.json`, `certificate.json`) and inventory
 *   entry points at complete material: the PEM files exist, equal the
 *   record, the key matches the certificate, the certificate verifies
 *   against its issuer;
 * - a retry succeeds (or, for a CA whose `ca.json` the failed attempt had
 *   already written, answers 409 and that CA is complete and listed in the
 *   inventory, as if the first attempt had succeeded), and the rest of the
 *   PKI is then issued from it.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FileObjectStore } from "../../../src/adapters/file-object-store.js";
import { CertificateRepository } from "../../../src/core/certificate-repository.js";
import { ConflictError, DependencyError } from "../../../src/core/errors.js";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../../src/core/issuance/issue-server-certificate.js";
import type { CertificateImporter } from "../../../src/core/ports.js";
import { errorResponse } from "../../../src/http/problem.js";
import {
  FaultInjector,
  type FaultMode,
  faultyImporter,
  faultyStore,
  RecordingImporter,
} from "../../support/security/faults.js";
import { filesUnder, keyMatchesCertificate } from "../../support/security/material.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const EC = "EC-P256" as const;

interface Step {
  name: string;
  isAuthority: boolean;
  run(repository: CertificateRepository, importer: CertificateImporter): Promise<unknown>;
}

/** The whole issuance, in order: each step needs the ones before it. */
const STEPS: Step[] = [
  {
    name: "root",
    isAuthority: true,
    run: (repository) => createRootCertificateAuthority({ name: "fault-root", keyAlgorithm: EC }, repository),
  },
  {
    name: "intermediate",
    isAuthority: true,
    run: (repository) =>
      createIntermediateCertificateAuthority(
        { name: "fault-issuing", issuer: "fault-root", keyAlgorithm: EC },
        repository,
      ),
  },
  {
    name: "server",
    isAuthority: false,
    run: (repository, importer) =>
      issueServerCertificate(
        { fqdn: "broker.faults.test", issuer: "fault-issuing", keyAlgorithm: EC },
        repository,
        importer,
      ),
  },
  {
    name: "device",
    isAuthority: false,
    run: (repository) =>
      issueDeviceCertificate({ deviceId: "sensor-fault-1", issuer: "fault-issuing", keyAlgorithm: EC }, repository),
  },
];

const PREFIX_OF_KIND: Record<string, string> = {
  root: "root_ca",
  intermediate: "intermediate_ca",
  server: "server_certificates",
  device: "device_certificates",
};

interface StoredRecord {
  kind: string;
  subject_id: string;
  serial_number: string;
  issuer?: string;
  folder: string;
  certificate: string;
  certificate_chain: string;
}

/** A read-only view of the store directory, for the checks. */
class StoreView {
  constructor(readonly directory: string) {}

  files(): string[] {
    return filesUnder(this.directory).filter((path) => !path.startsWith(".tmp/"));
  }

  read(key: string): string | undefined {
    try {
      return readFileSync(join(this.directory, key), "utf8");
    } catch {
      return undefined;
    }
  }

  /** Every committed record: `<prefix>/<name>/ca.json` and `<prefix>/<subject>/<serial>/certificate.json`. */
  records(): { key: string; record: StoredRecord }[] {
    return this.files()
      .filter((key) => key.endsWith("/ca.json") || key.endsWith("/certificate.json"))
      .map((key) => ({ key, record: JSON.parse(this.read(key) ?? "") as StoredRecord }));
  }

  /** CA material of committed CAs: their record and every file of their committed serial folder. */
  authorityMaterial(): Record<string, string> {
    const material: Record<string, string> = {};
    for (const { key, record } of this.records()) {
      if (!key.endsWith("/ca.json")) continue;
      material[key] = this.read(key) ?? "";
      for (const file of this.files().filter((path) => path.startsWith(record.folder))) {
        material[file] = this.read(file) ?? "";
      }
    }
    return material;
  }

  inventoryKeys(): string[] {
    return this.files().filter((key) => key.startsWith("inventory/"));
  }
}

/** Every committed record points at complete material that matches it; every inventory entry at a committed record. */
function expectConsistent(view: StoreView, context: string): void {
  const records = view.records();
  const authorities = new Map<string, StoredRecord>();
  for (const { key, record } of records) {
    if (key.endsWith("/ca.json")) authorities.set(`${record.kind}/${record.subject_id}`, record);
  }
  for (const { key, record } of records) {
    const where = `${context}: ${key}`;
    const isAuthority = key.endsWith("/ca.json");
    expect(record.folder, where).toBe(`${PREFIX_OF_KIND[record.kind]}/${record.subject_id}/${record.serial_number}/`);
    expect(key.startsWith(`${PREFIX_OF_KIND[record.kind]}/${record.subject_id}/`), where).toBe(true);
    const certificate = view.read(`${record.folder}certificate.pem`);
    expect(certificate, `${where}: certificate.pem`).toBe(record.certificate);
    const privateKey = view.read(`${record.folder}private_key.pem`);
    expect(privateKey, `${where}: private_key.pem`).toBeDefined();
    expect(keyMatchesCertificate(privateKey ?? "", record.certificate), `${where}: key matches`).toBe(true);
    if (record.kind !== "root") {
      expect(view.read(`${record.folder}certificate_chain.pem`), `${where}: chain`).toBe(record.certificate_chain);
      const issuerKind = record.kind === "intermediate" ? "root" : "intermediate";
      const issuer = authorities.get(`${issuerKind}/${record.issuer}`);
      expect(issuer, `${where}: issuer is committed`).toBeDefined();
      const verified = new X509Certificate(record.certificate).verify(
        new X509Certificate(issuer?.certificate ?? "").publicKey,
      );
      expect(verified, `${where}: signed by its issuer`).toBe(true);
    }
    if (isAuthority) expect(key, where).toBe(`${PREFIX_OF_KIND[record.kind]}/${record.subject_id}/ca.json`);
  }
  // Inventory entries: `inventory/<kind>/<id>~<serial>~<issuer>~<not_after>~<key_algorithm>~<subject_id>`.
  for (const key of view.inventoryKeys()) {
    const [, kind = "", entry = ""] = key.split("/");
    const fields = entry.split("~");
    const serial = fields[1];
    const subject = fields.at(-1);
    const recordKey =
      kind === "root" || kind === "intermediate"
        ? `${PREFIX_OF_KIND[kind]}/${subject}/ca.json`
        : `${PREFIX_OF_KIND[kind]}/${subject}/${serial}/certificate.json`;
    const listed = records.find(({ key: committed }) => committed === recordKey);
    expect(listed, `${context}: inventory entry ${key} has a committed record`).toBeDefined();
    expect(listed?.record.serial_number, `${context}: ${key}`).toBe(serial);
  }
}

/** Every committed CA is listed in the inventory (checked once retries are done). */
function expectAuthoritiesListed(view: StoreView, context: string): void {
  const inventory = view.inventoryKeys();
  for (const { key, record } of view.records()) {
    if (!key.endsWith("/ca.json")) continue;
    const listed = inventory.some((entry) =>
      entry.startsWith(`inventory/${record.kind}/${record.subject_id}~${record.serial_number}~`),
    );
    expect(listed, `${context}: CA ${key} is committed but not in the inventory`).toBe(true);
  }
}

function expectSafeErrorResponse(error: unknown, context: string): void {
  expect(error, context).toBeInstanceOf(DependencyError);
  const response = errorResponse(error);
  expect(response.statusCode, context).toBe(503);
  const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  expect(headers["retry-after"], context).toMatch(/^\d+$/);
  expect(headers["content-type"], context).toBe("application/problem+json");
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(body, context).toMatchObject({ status: 503, title: expect.any(String), detail: expect.any(String) });
  expect(Object.keys(body).sort(), context).toEqual(["detail", "status", "title", "type"]);
  expect(response.body, context).not.toMatch(/\bat .+:\d+:\d+/);
  expect(response.body, context).not.toContain("PRIVATE KEY");
}

describe("fault injection over the whole issuance", () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Runs the whole issuance with the k-th call failing; returns how many calls a clean run makes when k is undefined. */
  async function issueWithFault(k: number | undefined, mode: FaultMode): Promise<number> {
    const directory = temporaryDirectory("iot-certs-faults-");
    try {
      const injector = new FaultInjector();
      const store = faultyStore(new FileObjectStore(directory.path), injector);
      const importer = faultyImporter(new RecordingImporter(), injector);
      const view = new StoreView(directory.path);
      let repository = new CertificateRepository(store);
      injector.arm(k, mode);
      for (const step of STEPS) {
        const context = `k=${k} ${mode}, step ${step.name}`;
        const before = view.authorityMaterial();
        let failure: unknown;
        try {
          await step.run(repository, importer);
        } catch (error) {
          failure = error;
        }
        if (failure === undefined) {
          expectConsistent(view, context);
          continue;
        }
        const failedCall = injector.failed;
        const where = `${context} (failed call: ${failedCall})`;
        expect(failedCall, `${where}: only injected faults may fail: ${String(failure)}`).toBeDefined();
        injector.disarm();
        // Did the failed attempt commit a CA before failing (its ca.json written, the answer lost or a later write failed)?
        const committedByFailedAttempt = view.records().some(({ key }) => key.endsWith("/ca.json") && !(key in before));
        expectSafeErrorResponse(failure, where);
        expect(view.authorityMaterial(), `${where}: existing CA material changed`).toMatchObject(before);
        expectConsistent(view, `${where}, after the failure`);

        // Retry, as a client told 503 + Retry-After would; a new container (fresh repository) half the time.
        if (k !== undefined && k % 2 === 0) repository = new CertificateRepository(store);
        let retryError: unknown;
        try {
          await step.run(repository, importer);
        } catch (error) {
          retryError = error;
        }
        if (retryError !== undefined) {
          // Only one outcome other than success is right: the failed attempt had committed the CA, so the
          // name is taken (409). The CA must then be complete and listed, as if the first attempt had succeeded.
          expect(committedByFailedAttempt, `${where}: retry failed with ${String(retryError)}`).toBe(true);
          expect(retryError, where).toBeInstanceOf(ConflictError);
        }
        expect(view.authorityMaterial(), `${where}: existing CA material changed by the retry`).toMatchObject(before);
        expectConsistent(view, `${where}, after the retry`);
        expectAuthoritiesListed(view, `${where}, after the retry`);
      }
      // The PKI is complete whatever failed on the way.
      const committed = view.records().map(({ record }) => record.kind);
      for (const kind of ["root", "intermediate", "server", "device"])
        expect(committed, `k=${k} ${mode}`).toContain(kind);
      expectAuthoritiesListed(view, `k=${k} ${mode}, at the end`);
      for (const line of logged) expect(line, "a log line").not.toContain("PRIVATE KEY");
      return injector.calls.length;
    } finally {
      directory.remove();
    }
  }

  it("fails safely at every step, both before and after a call takes effect, and always recovers by retrying", async () => {
    const calls = await issueWithFault(undefined, "before");
    // root: name check, key, certificate, ca.json, inventory; then each later step reads its issuer: well over 20.
    expect(calls).toBeGreaterThanOrEqual(20);
    const failures: string[] = [];
    for (const mode of ["before", "after"] as const) {
      for (let k = 1; k <= calls; k += 1) {
        try {
          await issueWithFault(k, mode);
        } catch (error) {
          failures.push(`k=${k} ${mode}: ${(error as Error).message.split("\n")[0]}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
