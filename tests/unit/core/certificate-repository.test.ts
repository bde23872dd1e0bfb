/**
 * The storage layout and its safety rules, on an in-memory store that records
 * every call: where each file goes, that `ca.json` is the commit point
 * (written last, conditionally), that a second CA of the same name gets a 409
 * with the winner untouched and the loser's files removed, and that an unsafe
 * subject id is refused before anything is read or written.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CertificateKind } from "../../../src/core/certificate-profiles.js";
import {
  type CertificateMaterial,
  type CertificateRecord,
  CertificateRepository,
  STORAGE_PREFIXES,
} from "../../../src/core/certificate-repository.js";
import { ConflictError, NotFoundError } from "../../../src/core/errors.js";
import { MemoryObjectStore } from "../../support/storage/memory-object-store.js";

const SERIAL_A = "4a".repeat(16);
const SERIAL_B = "5b".repeat(16);
const PEM_TYPE = "application/x-pem-file";
const JSON_TYPE = "application/json";

function record(kind: CertificateKind, subjectId: string, serial: string, extra: Partial<CertificateRecord> = {}) {
  return {
    kind,
    subject_id: subjectId,
    serial_number: serial,
    key_algorithm: "EC-P256",
    not_before: "2030-01-01T00:00:00.000Z",
    not_after: "2031-01-01T00:00:00.000Z",
    created_at: "2030-01-01T00:05:00.000Z",
    folder: `${STORAGE_PREFIXES[kind]}/${subjectId}/${serial}/`,
    certificate: `CERT ${serial}\n`,
    certificate_chain: `CHAIN ${serial}\n`,
    ...extra,
  } satisfies CertificateRecord;
}

function material(serial: string, withChain = true): CertificateMaterial {
  return {
    certificatePem: `CERT ${serial}\n`,
    certificateChainPem: withChain ? `CHAIN ${serial}\n` : undefined,
    privateKeyPem: `KEY ${serial}\n`,
  };
}

/** Subject ids that must never reach an object key, whatever the kind. */
const UNSAFE_SUBJECT_IDS = [
  "",
  ".",
  "..",
  "../../etc",
  "../root_ca/default",
  "a/b",
  "/etc",
  "a\\b",
  "%2e%2e",
  "a\u0000b",
  "ｅxample.com",
  "a".repeat(300),
];

/** Keys created, in order, leaving out the inventory index (entries written after each commit point). */
function createdCertificateKeys(): string[] {
  return store.createdKeys().filter((key) => !key.startsWith("inventory/"));
}

/** Inventory entries are written only after the commit point (`ca.json` / `certificate.json`). */
function expectIndexAfter(commitKey: string): void {
  const created = store.createdKeys();
  const commit = created.indexOf(commitKey);
  expect(commit).toBeGreaterThanOrEqual(0);
  expect(created.slice(0, commit).some((key) => key.startsWith("inventory/"))).toBe(false);
}

let store: MemoryObjectStore;
let repository: CertificateRepository;

beforeEach(() => {
  store = new MemoryObjectStore();
  repository = new CertificateRepository(store);
});

describe("layout", () => {
  it.each([
    ["root", "default", `root_ca/default/${SERIAL_A}/`],
    ["intermediate", "servers", `intermediate_ca/servers/${SERIAL_A}/`],
    ["server", "broker.dev.example.com", `server_certificates/broker.dev.example.com/${SERIAL_A}/`],
    ["device", "sensor-0001", `device_certificates/sensor-0001/${SERIAL_A}/`],
  ] as const)("puts a %s named %s under %s", (kind, subjectId, folder) => {
    expect(repository.folderOf(kind, subjectId, SERIAL_A)).toBe(folder);
  });

  it("stores a root's key and certificate in its serial folder, then ca.json", async () => {
    const root = record("root", "default", SERIAL_A);
    await repository.createAuthority(root, material(SERIAL_A, false));
    expect(createdCertificateKeys()).toEqual([
      `root_ca/default/${SERIAL_A}/private_key.pem`,
      `root_ca/default/${SERIAL_A}/certificate.pem`,
      "root_ca/default/ca.json",
    ]);
    expectIndexAfter("root_ca/default/ca.json");
    expect(store.objects.get(`root_ca/default/${SERIAL_A}/private_key.pem`)).toEqual({
      body: `KEY ${SERIAL_A}\n`,
      contentType: PEM_TYPE,
    });
    expect(store.objects.get(`root_ca/default/${SERIAL_A}/certificate.pem`)).toEqual({
      body: `CERT ${SERIAL_A}\n`,
      contentType: PEM_TYPE,
    });
    const caJson = store.objects.get("root_ca/default/ca.json");
    expect(caJson?.contentType).toBe(JSON_TYPE);
    expect(JSON.parse(caJson?.body ?? "")).toEqual(root);
  });

  it("stores an intermediate's key, certificate and chain, then ca.json last", async () => {
    await repository.createAuthority(record("intermediate", "servers", SERIAL_A), material(SERIAL_A));
    expect(createdCertificateKeys()).toEqual([
      `intermediate_ca/servers/${SERIAL_A}/private_key.pem`,
      `intermediate_ca/servers/${SERIAL_A}/certificate.pem`,
      `intermediate_ca/servers/${SERIAL_A}/certificate_chain.pem`,
      "intermediate_ca/servers/ca.json",
    ]);
    expectIndexAfter("intermediate_ca/servers/ca.json");
    expect(store.body(`intermediate_ca/servers/${SERIAL_A}/certificate_chain.pem`)).toBe(`CHAIN ${SERIAL_A}\n`);
    // Every write is a create-only write.
    expect(store.operations.every((operation) => operation.op === "putIfAbsent")).toBe(true);
  });

  it("stores a leaf's PEMs first and its certificate.json only on commit", async () => {
    const leaf = record("server", "broker.dev.example.com", SERIAL_A, { issuer: "servers" });
    await repository.writeLeafMaterial(leaf, material(SERIAL_A));
    const folder = `server_certificates/broker.dev.example.com/${SERIAL_A}/`;
    expect(store.keys()).toEqual([
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}private_key.pem`,
    ]);
    await repository.commitLeaf(leaf);
    // certificate.json comes after every PEM; only index entries (if any) may follow it.
    expect(createdCertificateKeys()).toEqual([
      `${folder}private_key.pem`,
      `${folder}certificate.pem`,
      `${folder}certificate_chain.pem`,
      `${folder}certificate.json`,
    ]);
    expectIndexAfter(`${folder}certificate.json`);
    expect(store.objects.get(`${folder}certificate.json`)?.contentType).toBe(JSON_TYPE);
    expect(JSON.parse(store.body(`${folder}certificate.json`))).toEqual(leaf);
  });

  it("keeps earlier leaves of the same subject in their own serial folders", async () => {
    for (const serial of [SERIAL_A, SERIAL_B]) {
      const leaf = record("device", "sensor-1", serial, { issuer: "devices" });
      await repository.writeLeafMaterial(leaf, material(serial));
      await repository.commitLeaf(leaf);
    }
    expect(store.keys().filter((key) => key.endsWith("/certificate.json"))).toEqual([
      `device_certificates/sensor-1/${SERIAL_A}/certificate.json`,
      `device_certificates/sensor-1/${SERIAL_B}/certificate.json`,
    ]);
    expect(store.body(`device_certificates/sensor-1/${SERIAL_A}/certificate.pem`)).toBe(`CERT ${SERIAL_A}\n`);
  });
});

describe("reading authorities", () => {
  it("finds nothing before ca.json exists, even when the PEM files do", async () => {
    await store.putIfAbsent(`root_ca/default/${SERIAL_A}/certificate.pem`, "CERT", PEM_TYPE);
    expect(await repository.findAuthority("root", "default")).toBeUndefined();
    await expect(repository.getAuthority("root", "default")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("names the field and the route to call in a NotFoundError", async () => {
    const error = await repository.getAuthority("intermediate", "servers", "issuer").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).field).toBe("issuer");
    expect((error as NotFoundError).message).toContain("POST /certificates/intermediate");
  });

  it("returns the stored record and the CA's private key", async () => {
    const root = record("root", "default", SERIAL_A);
    await repository.createAuthority(root, material(SERIAL_A, false));
    const found = await repository.getAuthority("root", "default");
    expect(found).toEqual(root);
    expect(await repository.getAuthorityPrivateKey(found)).toBe(`KEY ${SERIAL_A}\n`);
  });

  it("fails loudly when a CA's private key is missing", async () => {
    const root = record("root", "default", SERIAL_A);
    await repository.createAuthority(root, material(SERIAL_A, false));
    await store.delete(`root_ca/default/${SERIAL_A}/private_key.pem`);
    await expect(repository.getAuthorityPrivateKey(root)).rejects.toThrow(/private key .* is missing/);
  });
});

describe("never overwriting", () => {
  it("names an existing intermediate with 'an'", async () => {
    await repository.createAuthority(record("intermediate", "servers", SERIAL_A), material(SERIAL_A, false));
    await expect(repository.assertAuthorityNameFree("intermediate", "servers")).rejects.toThrow(
      "an intermediate CA named 'servers' already exists; it was left unchanged. Choose another name.",
    );
  });

  it("answers 409 for an existing CA name and leaves the winner untouched", async () => {
    await repository.createAuthority(record("root", "default", SERIAL_A), material(SERIAL_A, false));
    const before = store.snapshot();
    await expect(repository.assertAuthorityNameFree("root", "default")).rejects.toBeInstanceOf(ConflictError);

    const error = await repository
      .createAuthority(record("root", "default", SERIAL_B), material(SERIAL_B, false))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).field).toBe("name");
    expect((error as ConflictError).message).toBe(
      "a root CA named 'default' already exists; it was left unchanged. Choose another name.",
    );
    expect(store.snapshot()).toEqual(before);
    // The loser wrote its own files, then removed exactly those.
    const deleted = store.operations.flatMap((operation) => (operation.op === "delete" ? [operation.key] : []));
    expect(deleted.sort()).toEqual([
      `root_ca/default/${SERIAL_B}/certificate.pem`,
      `root_ca/default/${SERIAL_B}/private_key.pem`,
    ]);
  });

  it("lets exactly one of two concurrent creations of one name win, and removes the loser's files", async () => {
    const results = await Promise.allSettled([
      repository.createAuthority(record("intermediate", "servers", SERIAL_A), material(SERIAL_A)),
      repository.createAuthority(record("intermediate", "servers", SERIAL_B), material(SERIAL_B)),
    ]);
    const fulfilled = results.filter((result) => result.status === "fulfilled");
    const rejected = results.filter((result) => result.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const winner = JSON.parse(store.body("intermediate_ca/servers/ca.json")) as CertificateRecord;
    const winnerFolder = `intermediate_ca/servers/${winner.serial_number}/`;
    expect(store.keys().filter((key) => !key.startsWith("inventory/"))).toEqual([
      ...["certificate.pem", "certificate_chain.pem", "private_key.pem"].map((file) => `${winnerFolder}${file}`),
      "intermediate_ca/servers/ca.json",
    ]);
    expect(store.body(`${winnerFolder}private_key.pem`)).toBe(`KEY ${winner.serial_number}\n`);
  });

  it("does not overwrite a ca.json taken between the name check and the commit", async () => {
    const winner = record("root", "default", SERIAL_A);
    store.beforePut = async (key) => {
      if (key === "root_ca/default/ca.json" && !store.objects.has(key)) {
        store.beforePut = undefined;
        await repository.createAuthority(winner, material(SERIAL_A, false));
      }
    };
    await repository.assertAuthorityNameFree("root", "default");
    await expect(
      repository.createAuthority(record("root", "default", SERIAL_B), material(SERIAL_B, false)),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(JSON.parse(store.body("root_ca/default/ca.json"))).toEqual(winner);
    expect(store.keys().filter((key) => !key.startsWith("inventory/"))).toEqual([
      `root_ca/default/${SERIAL_A}/certificate.pem`,
      `root_ca/default/${SERIAL_A}/private_key.pem`,
      "root_ca/default/ca.json",
    ]);
  });

  it("refuses to overwrite an existing PEM file and leaves it unchanged", async () => {
    const key = `device_certificates/sensor-1/${SERIAL_A}/private_key.pem`;
    await store.putIfAbsent(key, "EARLIER KEY", PEM_TYPE);
    await expect(
      repository.writeLeafMaterial(record("device", "sensor-1", SERIAL_A), material(SERIAL_A)),
    ).rejects.toThrow(/refusing to overwrite/);
    expect(store.body(key)).toBe("EARLIER KEY");
  });

  it("refuses to commit a leaf twice", async () => {
    const leaf = record("device", "sensor-1", SERIAL_A);
    await repository.commitLeaf(leaf);
    const body = store.body(`device_certificates/sensor-1/${SERIAL_A}/certificate.json`);
    await expect(repository.commitLeaf({ ...leaf, created_at: "later" })).rejects.toBeInstanceOf(ConflictError);
    expect(store.body(`device_certificates/sensor-1/${SERIAL_A}/certificate.json`)).toBe(body);
  });
});

describe("unsafe subject ids are refused before any read or write", () => {
  const kinds = ["root", "intermediate", "server", "device"] as const;

  it.each(kinds.flatMap((kind) => UNSAFE_SUBJECT_IDS.map((id) => [kind, id] as const)))(
    "%s %j",
    async (kind, subjectId) => {
      expect(() => repository.folderOf(kind, subjectId, SERIAL_A)).toThrow(/refusing unsafe/);
      const unsafe = record(kind, subjectId, SERIAL_A);
      if (kind === "root" || kind === "intermediate") {
        await expect(repository.createAuthority(unsafe, material(SERIAL_A))).rejects.toThrow(/refusing unsafe/);
        await expect(repository.findAuthority(kind, subjectId)).rejects.toThrow(/refusing unsafe/);
        await expect(repository.assertAuthorityNameFree(kind, subjectId)).rejects.toThrow(/refusing unsafe/);
        await expect(repository.getAuthorityPrivateKey(unsafe)).rejects.toThrow(/refusing unsafe/);
      } else {
        await expect(repository.writeLeafMaterial(unsafe, material(SERIAL_A))).rejects.toThrow(/refusing unsafe/);
        await expect(repository.commitLeaf(unsafe)).rejects.toThrow(/refusing unsafe/);
      }
      expect(store.operations).toEqual([]);
    },
  );

  it.each(["", "../../etc", SERIAL_A.toUpperCase(), `${SERIAL_A}/..`, SERIAL_A.slice(1)])(
    "unsafe serial number %j",
    async (serial) => {
      expect(() => repository.folderOf("device", "sensor-1", serial)).toThrow(/unsafe serial/);
      await expect(
        repository.writeLeafMaterial(record("device", "sensor-1", serial), material(SERIAL_A)),
      ).rejects.toThrow(/unsafe serial/);
      expect(store.operations).toEqual([]);
    },
  );

  it("does not trust the stored folder field: keys come from kind, subject and serial only", async () => {
    const leaf = record("device", "sensor-1", SERIAL_A, { folder: "../../etc/" });
    await repository.writeLeafMaterial(leaf, material(SERIAL_A));
    await repository.commitLeaf(leaf);
    const certificateKeys = store.keys().filter((key) => !key.startsWith("inventory/"));
    expect(certificateKeys).toEqual(
      ["certificate.json", "certificate.pem", "certificate_chain.pem", "private_key.pem"].map(
        (file) => `device_certificates/sensor-1/${SERIAL_A}/${file}`,
      ),
    );
    expect(store.keys().some((key) => key.includes("etc"))).toBe(false);
  });
});
