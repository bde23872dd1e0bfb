/**
 * Where certificates live in the object store, and the rules that keep every
 * write safe: no request value reaches a key unless it passed a strict check,
 * and nothing is ever overwritten.
 *
 * Layout (in the seed's spirit, one folder per serial so re-issuing keeps the
 * earlier certificate):
 *
 * ```
 * root_ca/<name>/ca.json                              the CA's record (written last: the commit point)
 * root_ca/<name>/<serial>/certificate.pem
 * root_ca/<name>/<serial>/private_key.pem
 * intermediate_ca/<name>/ca.json
 * intermediate_ca/<name>/<serial>/{certificate,certificate_chain,private_key}.pem
 * server_certificates/<fqdn>/<serial>/{certificate,certificate_chain,private_key}.pem, certificate.json
 * device_certificates/<device_id>/<serial>/{certificate,certificate_chain,private_key}.pem, certificate.json
 * ```
 *
 * A CA exists once its `ca.json` exists; that object is created with a
 * conditional write, so of two concurrent creations exactly one wins and the
 * loser's material (in its own serial folder) is removed. A leaf certificate
 * exists once its `certificate.json` exists, written after its PEMs (and after
 * the ACM import), so a failure half-way leaves nothing that looks issued.
 */
import type { CertificateAuthorityKind, CertificateKind } from "./certificate-profiles.js";
import { ConflictError, NotFoundError } from "./errors.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { CA_NAME_PATTERN, DEVICE_ID_PATTERN, isHostName } from "./names.js";
import type { ObjectStore } from "./ports.js";
import { isSerialNumber } from "./serial-number.js";

/** The top-level prefix of each kind of certificate. */
export const STORAGE_PREFIXES: Record<CertificateKind, string> = {
  root: "root_ca",
  intermediate: "intermediate_ca",
  server: "server_certificates",
  device: "device_certificates",
};

/** What is stored about one certificate (the body of `ca.json` / `certificate.json`). */
export interface CertificateRecord {
  kind: CertificateKind;
  /** CA name, server FQDN or device id: the folder under the kind's prefix. */
  subject_id: string;
  serial_number: string;
  key_algorithm: KeyAlgorithm;
  /** The signing CA's name; absent for roots. */
  issuer?: string;
  not_before: string;
  not_after: string;
  created_at: string;
  /** The folder holding this certificate's PEM files, ending in `/`. */
  folder: string;
  certificate: string;
  /** For CAs: the CA's certificate then its issuers'. For leaves: the issuer chain (without the leaf). */
  certificate_chain: string;
  /** ACM ARN of an imported server certificate. */
  acm_certificate_arn?: string;
}

/** The PEM files of one certificate. */
export interface CertificateMaterial {
  certificatePem: string;
  certificateChainPem?: string | undefined;
  privateKeyPem?: string | undefined;
}

const PEM = "application/x-pem-file";
const JSON_TYPE = "application/json";

export class CertificateRepository {
  constructor(private readonly store: ObjectStore) {}

  /** The folder of one certificate; throws if any part would be unsafe in a key. */
  folderOf(kind: CertificateKind, subjectId: string, serialNumber: string): string {
    assertSafeSubjectId(kind, subjectId);
    if (!isSerialNumber(serialNumber)) throw new Error(`refusing unsafe serial number in an object key`);
    return `${STORAGE_PREFIXES[kind]}/${subjectId}/${serialNumber}/`;
  }

  /** The record of the CA `name`, or undefined when there is none. */
  async findAuthority(kind: CertificateAuthorityKind, name: string): Promise<CertificateRecord | undefined> {
    const body = await this.store.get(authorityRecordKey(kind, name));
    return body === undefined ? undefined : (JSON.parse(body) as CertificateRecord);
  }

  /** The record of the CA `name`; NotFoundError when there is none. */
  async getAuthority(kind: CertificateAuthorityKind, name: string, field = "name"): Promise<CertificateRecord> {
    const record = await this.findAuthority(kind, name);
    if (!record) {
      const hint = kind === "root" ? "POST /certificates/root" : "POST /certificates/intermediate";
      throw new NotFoundError(`no ${kind} CA named '${name}' exists: create it first with ${hint}`, field);
    }
    return record;
  }

  /** The PEM private key of a CA, for signing inside the service only. */
  async getAuthorityPrivateKey(record: CertificateRecord): Promise<string> {
    const key = `${this.folderOf(record.kind, record.subject_id, record.serial_number)}private_key.pem`;
    const pem = await this.store.get(key);
    if (pem === undefined) throw new Error(`the private key of ${record.kind} CA '${record.subject_id}' is missing`);
    return pem;
  }

  /** Throws ConflictError when a CA named `name` already exists (checked before the costly key generation). */
  async assertAuthorityNameFree(kind: CertificateAuthorityKind, name: string): Promise<void> {
    if (await this.findAuthority(kind, name)) throw authorityExists(kind, name);
  }

  /**
   * Stores a new CA: its PEM files first (in a folder only this serial uses),
   * then its record with a conditional write. When another request created the
   * same name in the meantime, removes this attempt's files and throws
   * ConflictError: the winner's material is untouched.
   */
  async createAuthority(record: CertificateRecord, material: CertificateMaterial): Promise<void> {
    const kind = record.kind as CertificateAuthorityKind;
    const written = await this.writeMaterial(record, material);
    const created = await this.store.putIfAbsent(
      authorityRecordKey(kind, record.subject_id),
      toJson(record),
      JSON_TYPE,
    );
    if (!created) {
      await Promise.allSettled(written.map((key) => this.store.delete(key)));
      throw authorityExists(kind, record.subject_id);
    }
  }

  /** Writes a leaf's PEM files (step 1 of 2; invisible until `commitLeaf`). */
  async writeLeafMaterial(record: CertificateRecord, material: CertificateMaterial): Promise<void> {
    await this.writeMaterial(record, material);
  }

  /** Writes a leaf's record (step 2 of 2): from now on the certificate exists. */
  async commitLeaf(record: CertificateRecord): Promise<void> {
    const key = `${this.folderOf(record.kind, record.subject_id, record.serial_number)}certificate.json`;
    if (!(await this.store.putIfAbsent(key, toJson(record), JSON_TYPE))) {
      throw new ConflictError(`certificate ${record.serial_number} already exists`);
    }
  }

  private async writeMaterial(record: CertificateRecord, material: CertificateMaterial): Promise<string[]> {
    const folder = this.folderOf(record.kind, record.subject_id, record.serial_number);
    const files: [string, string | undefined][] = [
      ["private_key.pem", material.privateKeyPem],
      ["certificate.pem", material.certificatePem],
      ["certificate_chain.pem", material.certificateChainPem],
    ];
    const written: string[] = [];
    for (const [file, body] of files) {
      if (body === undefined) continue;
      const key = `${folder}${file}`;
      // A serial is 126 random bits: a taken key means a bug, never a normal race.
      if (!(await this.store.putIfAbsent(key, body, PEM))) {
        throw new Error(`refusing to overwrite existing object ${key}`);
      }
      written.push(key);
    }
    return written;
  }
}

function authorityRecordKey(kind: CertificateAuthorityKind, name: string): string {
  assertSafeSubjectId(kind, name);
  return `${STORAGE_PREFIXES[kind]}/${name}/ca.json`;
}

function authorityExists(kind: CertificateAuthorityKind, name: string): ConflictError {
  return new ConflictError(
    `a ${kind} CA named '${name}' already exists; it was left unchanged. Choose another name.`,
    "name",
  );
}

/**
 * The last gate before a request value becomes part of an object key. The
 * request schemas give friendlier errors first; this check holds even if a
 * caller skips them.
 */
function assertSafeSubjectId(kind: CertificateKind, subjectId: string): void {
  const safe =
    kind === "root" || kind === "intermediate"
      ? CA_NAME_PATTERN.test(subjectId)
      : kind === "server"
        ? isHostName(subjectId)
        : DEVICE_ID_PATTERN.test(subjectId);
  if (!safe) throw new Error(`refusing unsafe ${kind} name in an object key`);
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
