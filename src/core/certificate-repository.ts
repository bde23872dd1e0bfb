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
 * inventory/<kind>/<id>~<serial>~<issuer>~<not_after>~<key_algorithm>~<subject_id>   (empty objects)
 * revocations/<issuer kind>/<issuer name>/<serial>.json
 * <root_ca|intermediate_ca>/<name>/crl/<descending number>.crl.pem                (newest lists first)
 * renewals/<kind>/<old serial>.claim                  a renewal in progress (or done): one at a time
 * renewals/<kind>/<old serial>~<new serial>           (empty) the old certificate was renewed by the new one
 * expiry_warnings/<kind>/<days>d/<not_after>~<serial> (empty) the `<days>` warning was sent
 * ```
 *
 * A CA exists once its `ca.json` exists; that object is created with a
 * conditional write, so of two concurrent creations exactly one wins and the
 * loser's material (in its own serial folder) is removed. A leaf certificate
 * exists once its inventory entry exists, written after its PEMs, the ACM
 * import and its `certificate.json`, so a failure half-way leaves nothing that
 * the inventory lists or the API serves.
 *
 * The inventory is a folder of empty objects whose keys carry what a listing
 * shows (`<id>` is the CA name or the leaf's serial), so a page of 1,000
 * certificates is one LIST request and no GETs.
 */
import type { CaKeyStorage } from "./ca-key-custody.js";
import type { CertificateAuthorityKind, CertificateKind, LeafKind } from "./certificate-profiles.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "./key-algorithms.js";
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
  /** True when the certificate was issued for a CSR (the service never had its key). */
  from_csr?: boolean;
  /** Serial number of the certificate this one renewed (the newer one links back; see `findRenewal`). */
  renews?: string;
  /** CAs: where the CA's private key is kept; absent means `s3` (records made before the choice existed). */
  key_storage?: CaKeyStorage;
  /** CAs whose key is in AWS KMS: the key's ARN (the key never leaves KMS). */
  kms_key_arn?: string;
}

/** What the inventory knows of a certificate without reading its record. */
export interface InventoryEntry {
  kind: CertificateKind;
  /** CA name for CAs, serial number for leaves: the `{id}` of `GET /certificates/{kind}/{id}`. */
  id: string;
  serial_number: string;
  /** Signing CA's name; undefined for roots. */
  issuer: string | undefined;
  not_after: string;
  key_algorithm: KeyAlgorithm;
  subject_id: string;
}

/** A revocation, as stored. */
export interface RevocationRecord {
  kind: CertificateKind;
  serial_number: string;
  subject_id: string;
  /** RFC 5280 reason code name (e.g. `keyCompromise`). */
  reason: string;
  revoked_at: string;
}

/** Where a certificate's revocation is recorded: the CA that issued it. */
export interface IssuerRef {
  kind: CertificateAuthorityKind;
  name: string;
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
    const existing = await this.findAuthority(kind, name);
    if (existing) {
      // A creation that failed after its commit point left the CA unlisted: list it now.
      await this.ensureInInventory(existing);
      throw authorityExists(kind, name);
    }
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
      // Best effort: the winner lists itself; this only repairs a winner that failed before doing so.
      await this.findAuthority(kind, record.subject_id)
        .then((winner) => winner && this.ensureInInventory(winner))
        .catch(() => undefined);
      throw authorityExists(kind, record.subject_id);
    }
    await this.addToInventory(record);
  }

  /** Writes a leaf's PEM files (step 1 of 2; invisible until `commitLeaf`). */
  async writeLeafMaterial(record: CertificateRecord, material: CertificateMaterial): Promise<void> {
    await this.writeMaterial(record, material);
  }

  /** Writes a leaf's record, then its inventory entry (step 2 of 2): from then on the certificate exists. */
  async commitLeaf(record: CertificateRecord): Promise<void> {
    const key = `${this.folderOf(record.kind, record.subject_id, record.serial_number)}certificate.json`;
    if (!(await this.store.putIfAbsent(key, toJson(record), JSON_TYPE))) {
      throw new ConflictError(`certificate ${record.serial_number} already exists`);
    }
    await this.addToInventory(record);
  }

  /** Adds a committed certificate to the inventory (idempotent). */
  async addToInventory(record: CertificateRecord): Promise<void> {
    await this.store.putIfAbsent(inventoryKey(record), "", "application/octet-stream");
  }

  /** Adds the entry only when it is missing (a read, and a write only to repair). */
  private async ensureInInventory(record: CertificateRecord): Promise<void> {
    const key = inventoryKey(record);
    const listing = await this.store.list(key, { limit: 1 });
    if (listing.keys[0] !== key) await this.store.putIfAbsent(key, "", "application/octet-stream");
  }

  /** One page of the inventory of `kind`, in key order, after the key `startAfter`. */
  async listInventory(
    kind: CertificateKind,
    options: { startAfter?: string | undefined; limit: number },
  ): Promise<{ entries: { key: string; entry: InventoryEntry }[]; isTruncated: boolean }> {
    const prefix = `${INVENTORY_PREFIX}/${kind}/`;
    if (options.startAfter !== undefined && !options.startAfter.startsWith(prefix)) {
      throw new Error("refusing a listing cursor outside the inventory");
    }
    const listing = await this.store.list(prefix, { startAfter: options.startAfter, limit: options.limit });
    const entries = listing.keys.flatMap((key) => {
      const entry = parseInventoryKey(kind, key.slice(prefix.length));
      return entry ? [{ key, entry }] : [];
    });
    return { entries, isTruncated: listing.isTruncated };
  }

  /** The record of a leaf by serial, or undefined when the inventory does not list it. */
  async findLeaf(kind: "server" | "device", serialNumber: string): Promise<CertificateRecord | undefined> {
    if (!isSerialNumber(serialNumber)) return undefined;
    const listing = await this.store.list(`${INVENTORY_PREFIX}/${kind}/${serialNumber}~`, { limit: 1 });
    const key = listing.keys[0];
    const entry = key && parseInventoryKey(kind, key.slice(`${INVENTORY_PREFIX}/${kind}/`.length));
    if (!entry) return undefined;
    const body = await this.store.get(`${this.folderOf(kind, entry.subject_id, serialNumber)}certificate.json`);
    return body === undefined ? undefined : (JSON.parse(body) as CertificateRecord);
  }

  /** The PEM private key of a leaf the service generated, or undefined when the store does not hold one. */
  async findLeafPrivateKey(record: CertificateRecord): Promise<string | undefined> {
    return this.store.get(`${this.folderOf(record.kind, record.subject_id, record.serial_number)}private_key.pem`);
  }

  /**
   * Claims the renewal of a leaf, so that two renewals of one certificate
   * cannot both go ahead. False when a renewal holds the claim (or is done).
   * A claim older than RENEWAL_CLAIM_MS whose renewal never linked (a crash
   * half-way) is taken over.
   */
  async claimRenewal(kind: LeafKind, serialNumber: string, now: Date): Promise<boolean> {
    const key = renewalClaimKey(kind, serialNumber);
    const claim = toJson({ serial_number: serialNumber, claimed_at: now.toISOString() });
    if (await this.store.putIfAbsent(key, claim, JSON_TYPE)) return true;
    const existing = await this.store.get(key);
    const claimedAt = existing === undefined ? Number.NaN : Date.parse(JSON.parse(existing).claimed_at);
    if (existing !== undefined && now.getTime() - claimedAt < RENEWAL_CLAIM_MS) return false;
    if ((await this.findRenewal(kind, serialNumber)) !== undefined) return false;
    await this.store.delete(key);
    return this.store.putIfAbsent(key, claim, JSON_TYPE);
  }

  /** Gives up a claim whose renewal failed before issuing anything, so the renewal can be retried at once. */
  async releaseRenewalClaim(kind: LeafKind, serialNumber: string): Promise<void> {
    await this.store.delete(renewalClaimKey(kind, serialNumber));
  }

  /** Links a renewed certificate to its successor (written after the successor exists). */
  async linkRenewal(kind: LeafKind, serialNumber: string, renewedBy: string): Promise<void> {
    if (!isSerialNumber(renewedBy)) throw new Error("refusing unsafe serial number in a renewal key");
    await this.store.putIfAbsent(
      `${renewalPrefix(kind, serialNumber)}${FIELD_SEPARATOR}${renewedBy}`,
      "",
      "application/octet-stream",
    );
  }

  /** The serial number of the certificate that renewed this one, if any (one LIST, keys only). */
  async findRenewal(kind: LeafKind, serialNumber: string): Promise<string | undefined> {
    const prefix = `${renewalPrefix(kind, serialNumber)}${FIELD_SEPARATOR}`;
    const listing = await this.store.list(prefix, { limit: 1 });
    const key = listing.keys[0];
    return key === undefined ? undefined : key.slice(prefix.length);
  }

  /** Serial numbers of every renewed certificate of `kind` (keys only: one LIST per 1,000 renewals). */
  async renewedSerialNumbers(kind: LeafKind): Promise<Set<string>> {
    const prefix = `${RENEWALS_PREFIX}/${kind}/`;
    const serials = new Set<string>();
    await this.listAll(prefix, undefined, (key) => {
      const [serial, renewedBy] = key.slice(prefix.length).split(FIELD_SEPARATOR);
      if (serial && renewedBy && isSerialNumber(serial)) serials.add(serial);
      return true;
    });
    return serials;
  }

  /**
   * Serial numbers that got the `thresholdDays` expiry warning, among
   * certificates whose notAfter is in (`from`, `to`]: the markers are sorted
   * by notAfter, so this lists only the window, never older warnings.
   */
  async expiryWarningsSent(
    kind: CertificateKind,
    thresholdDays: number,
    window: { from: Date; to: Date },
  ): Promise<Set<string>> {
    const prefix = expiryWarningPrefix(kind, thresholdDays);
    const end = compactTime(window.to.toISOString());
    const serials = new Set<string>();
    await this.listAll(prefix, `${prefix}${compactTime(window.from.toISOString())}`, (key) => {
      const [notAfter, serial] = key.slice(prefix.length).split(FIELD_SEPARATOR);
      if (notAfter === undefined || notAfter > end) return false;
      if (serial) serials.add(serial);
      return true;
    });
    return serials;
  }

  /** Records that the `thresholdDays` warning of a certificate was sent. False when it had been already. */
  async recordExpiryWarning(entry: InventoryEntry, thresholdDays: number): Promise<boolean> {
    if (!isSerialNumber(entry.serial_number)) throw new Error("refusing unsafe serial number in a warning key");
    const key = `${expiryWarningPrefix(entry.kind, thresholdDays)}${compactTime(entry.not_after)}${FIELD_SEPARATOR}${entry.serial_number}`;
    return this.store.putIfAbsent(key, "", "application/octet-stream");
  }

  /** Pages through keys under `prefix` in order; `visit` returns false to stop. */
  private async listAll(
    prefix: string,
    startAfter: string | undefined,
    visit: (key: string) => boolean,
  ): Promise<void> {
    let after = startAfter;
    for (;;) {
      const listing = await this.store.list(prefix, { startAfter: after, limit: 1000 });
      for (const key of listing.keys) if (!visit(key)) return;
      if (!listing.isTruncated || listing.keys.length === 0) return;
      after = listing.keys.at(-1);
    }
  }

  /** Records a revocation. False when the certificate was already revoked (nothing changed). */
  async addRevocation(issuer: IssuerRef, revocation: RevocationRecord): Promise<boolean> {
    return this.store.putIfAbsent(revocationKey(issuer, revocation.serial_number), toJson(revocation), JSON_TYPE);
  }

  /** The revocation of one certificate, if any. */
  async findRevocation(issuer: IssuerRef, serialNumber: string): Promise<RevocationRecord | undefined> {
    const body = await this.store.get(revocationKey(issuer, serialNumber));
    return body === undefined ? undefined : (JSON.parse(body) as RevocationRecord);
  }

  /** Serial numbers revoked by `issuer` (keys only: one LIST per 1,000 revocations). */
  async revokedSerialNumbers(issuer: IssuerRef): Promise<Set<string>> {
    const prefix = revocationPrefix(issuer);
    const serials = new Set<string>();
    let startAfter: string | undefined;
    for (;;) {
      const listing = await this.store.list(prefix, { startAfter, limit: 1000 });
      for (const key of listing.keys) serials.add(key.slice(prefix.length).replace(/\.json$/, ""));
      if (!listing.isTruncated || listing.keys.length === 0) return serials;
      startAfter = listing.keys.at(-1);
    }
  }

  /** Every revocation recorded by `issuer`, with reasons and dates (for building its CRL). */
  async listRevocations(issuer: IssuerRef): Promise<RevocationRecord[]> {
    const serials = [...(await this.revokedSerialNumbers(issuer))].sort();
    const records = await Promise.all(serials.map((serial) => this.findRevocation(issuer, serial)));
    return records.filter((record): record is RevocationRecord => record !== undefined);
  }

  /** Stores a CRL (PEM) under its number. False when that number exists already (a concurrent rebuild). */
  async storeCrl(issuer: IssuerRef, crlNumber: bigint, pem: string): Promise<boolean> {
    return this.store.putIfAbsent(crlKey(issuer, crlNumber), pem, "application/pkix-crl");
  }

  /** The newest stored CRL of `issuer` (PEM), if any. */
  async latestCrl(issuer: IssuerRef): Promise<string | undefined> {
    const listing = await this.store.list(crlPrefix(issuer), { limit: 1 });
    const key = listing.keys[0];
    return key === undefined ? undefined : this.store.get(key);
  }

  private async writeMaterial(record: CertificateRecord, material: CertificateMaterial): Promise<string[]> {
    const folder = this.folderOf(record.kind, record.subject_id, record.serial_number);
    const files: [string, string | undefined][] = [
      ["private_key.pem", material.privateKeyPem],
      ["certificate.pem", material.certificatePem],
      ["certificate_chain.pem", material.certificateChainPem],
    ];
    // The files are written at once (three S3 round trips overlap instead of following each other).
    // Nothing is visible until the record is written after them, so the order among them does not matter.
    const writes = files.flatMap(([file, body]) => {
      if (body === undefined) return [];
      const key = `${folder}${file}`;
      return [{ key, created: this.store.putIfAbsent(key, body, PEM) }];
    });
    const outcomes = await Promise.allSettled(writes.map((write) => write.created));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failed) throw failed.reason;
    const written: string[] = [];
    writes.forEach(({ key }, index) => {
      // A serial is 126 random bits: a taken key means a bug, never a normal race.
      if ((outcomes[index] as PromiseFulfilledResult<boolean>).value !== true) {
        throw new Error(`refusing to overwrite existing object ${key}`);
      }
      written.push(key);
    });
    return written;
  }
}

const INVENTORY_PREFIX = "inventory";
const RENEWALS_PREFIX = "renewals";
const EXPIRY_WARNINGS_PREFIX = "expiry_warnings";
const FIELD_SEPARATOR = "~";

/** How long a renewal claim holds without its renewal finishing: far longer than any renewal takes. */
export const RENEWAL_CLAIM_MS = 10 * 60 * 1000;

function renewalPrefix(kind: LeafKind, serialNumber: string): string {
  if (kind !== "server" && kind !== "device") throw new Error("only server and device certificates are renewed");
  if (!isSerialNumber(serialNumber)) throw new Error("refusing unsafe serial number in a renewal key");
  return `${RENEWALS_PREFIX}/${kind}/${serialNumber}`;
}

function renewalClaimKey(kind: LeafKind, serialNumber: string): string {
  return `${renewalPrefix(kind, serialNumber)}.claim`;
}

function expiryWarningPrefix(kind: CertificateKind, thresholdDays: number): string {
  if (!(kind in STORAGE_PREFIXES)) throw new Error(`unknown certificate kind '${kind}'`);
  if (!Number.isInteger(thresholdDays) || thresholdDays < 1)
    throw new Error("threshold must be a whole number of days");
  return `${EXPIRY_WARNINGS_PREFIX}/${kind}/${thresholdDays}d/`;
}

/** `2027-01-31T12:00:00.000Z` → `20270131T120000Z`: the inventory's sortable time. */
function compactTime(iso: string): string {
  return iso.replace(/[-:]|\.\d{3}/g, "");
}

/** `inventory/<kind>/<id>~<serial>~<issuer|->~<not_after compact>~<key_algorithm>~<subject_id>` */
function inventoryKey(record: CertificateRecord): string {
  const isAuthority = record.kind === "root" || record.kind === "intermediate";
  assertSafeSubjectId(record.kind, record.subject_id);
  if (!isSerialNumber(record.serial_number)) throw new Error("refusing unsafe serial number in an inventory key");
  const id = isAuthority ? record.subject_id : record.serial_number;
  const notAfter = compactTime(record.not_after);
  return `${INVENTORY_PREFIX}/${record.kind}/${[id, record.serial_number, record.issuer ?? "-", notAfter, record.key_algorithm, record.subject_id].join(FIELD_SEPARATOR)}`;
}

function parseInventoryKey(kind: CertificateKind, name: string): InventoryEntry | undefined {
  const [id, serial, issuer, notAfter, keyAlgorithm, subjectId] = name.split(FIELD_SEPARATOR);
  const time = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(notAfter ?? "");
  if (
    !id ||
    !serial ||
    !issuer ||
    !time ||
    !subjectId ||
    !(KEY_ALGORITHMS as readonly string[]).includes(keyAlgorithm ?? "")
  ) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second] = time;
  return {
    kind,
    id,
    serial_number: serial,
    issuer: issuer === "-" ? undefined : issuer,
    not_after: `${year}-${month}-${day}T${hour}:${minute}:${second}.000Z`,
    key_algorithm: keyAlgorithm as KeyAlgorithm,
    subject_id: subjectId,
  };
}

function revocationPrefix(issuer: IssuerRef): string {
  assertSafeSubjectId(issuer.kind, issuer.name);
  return `revocations/${issuer.kind}/${issuer.name}/`;
}

function revocationKey(issuer: IssuerRef, serialNumber: string): string {
  if (!isSerialNumber(serialNumber)) throw new Error("refusing unsafe serial number in a revocation key");
  return `${revocationPrefix(issuer)}${serialNumber}.json`;
}

/** CRL numbers are stored as (10^20 - number), zero-padded, so the newest CRL is the first key listed. */
const CRL_KEY_BASE = 10n ** 20n;

function crlPrefix(issuer: IssuerRef): string {
  assertSafeSubjectId(issuer.kind, issuer.name);
  return `${STORAGE_PREFIXES[issuer.kind]}/${issuer.name}/crl/`;
}

function crlKey(issuer: IssuerRef, crlNumber: bigint): string {
  if (crlNumber <= 0n || crlNumber >= CRL_KEY_BASE) throw new Error("CRL number out of range");
  return `${crlPrefix(issuer)}${(CRL_KEY_BASE - crlNumber).toString().padStart(20, "0")}.crl.pem`;
}

function authorityRecordKey(kind: CertificateAuthorityKind, name: string): string {
  assertSafeSubjectId(kind, name);
  return `${STORAGE_PREFIXES[kind]}/${name}/ca.json`;
}

function authorityExists(kind: CertificateAuthorityKind, name: string): ConflictError {
  return new ConflictError(
    `${kind === "intermediate" ? "an" : "a"} ${kind} CA named '${name}' already exists; it was left unchanged. Choose another name.`,
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
