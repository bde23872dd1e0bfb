/**
 * FileObjectStore (the local store) on a real directory: create-only writes
 * (EEXIST → false, first bytes kept), files private to the user (0600), no
 * temporary file left behind after a write succeeds or fails, and folders
 * removed behind the store's back (a concurrent delete of an emptied folder,
 * or a user cleaning up) survived although the store remembers the folders
 * it created.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileObjectStore } from "../../../src/adapters/file-object-store.js";
import { DependencyError } from "../../../src/core/errors.js";
import type { ObjectStore } from "../../../src/core/ports.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const PEM = "application/x-pem-file";

let directory: { path: string; remove: () => void };
let store: ObjectStore;

beforeEach(() => {
  directory = temporaryDirectory("iot-certs-file-store-");
  store = new FileObjectStore(directory.path);
});

afterEach(() => directory.remove());

function temporaryFiles(): string[] {
  const folder = join(directory.path, ".tmp");
  return existsSync(folder) ? readdirSync(folder) : [];
}

function modeOf(key: string): number {
  return statSync(join(directory.path, key)).mode & 0o777;
}

describe("FileObjectStore writes", () => {
  it("creates an object once: true, then false (EEXIST) with the first bytes unchanged", async () => {
    expect(await store.putIfAbsent("device_certificates/d-1/ab/certificate.pem", "first\n", PEM)).toBe(true);
    expect(await store.putIfAbsent("device_certificates/d-1/ab/certificate.pem", "second, longer\n", PEM)).toBe(false);
    expect(readFileSync(join(directory.path, "device_certificates/d-1/ab/certificate.pem"), "utf8")).toBe("first\n");
    expect(await store.get("device_certificates/d-1/ab/certificate.pem")).toBe("first\n");
  });

  it("creates an empty object (an inventory entry) once, and refuses a body where an empty object exists", async () => {
    expect(await store.putIfAbsent("inventory/device/ab~cd", "", "application/octet-stream")).toBe(true);
    expect(await store.putIfAbsent("inventory/device/ab~cd", "", "application/octet-stream")).toBe(false);
    expect(await store.putIfAbsent("inventory/device/ab~cd", "not empty", "application/octet-stream")).toBe(false);
    expect(await store.get("inventory/device/ab~cd")).toBe("");
    expect(await store.putIfAbsent("inventory/device/with-body", "x", "text/plain")).toBe(true);
    expect(await store.putIfAbsent("inventory/device/with-body", "", "text/plain")).toBe(false);
    expect(await store.get("inventory/device/with-body")).toBe("x");
  });

  it("writes every file with mode 0600, empty or not", async () => {
    await store.putIfAbsent("root_ca/default/ab/private_key.pem", "-----BEGIN PRIVATE KEY-----\n", PEM);
    await store.putIfAbsent("inventory/root/default~ab", "", "application/octet-stream");
    expect(modeOf("root_ca/default/ab/private_key.pem")).toBe(0o600);
    expect(modeOf("inventory/root/default~ab")).toBe(0o600);
  });

  it("round-trips UTF-8 bodies byte for byte", async () => {
    const body = '{\n  "organization": "Ångström Ltd ©"\n}\n';
    expect(await store.putIfAbsent("a/utf8.json", body, "application/json")).toBe(true);
    expect(readFileSync(join(directory.path, "a/utf8.json")).equals(Buffer.from(body))).toBe(true);
  });

  it("leaves no temporary file after writes that succeed, lose to an existing object, or fail", async () => {
    await store.putIfAbsent("a/b/one.pem", "1", PEM);
    await store.putIfAbsent("a/b/one.pem", "again", PEM);
    await store.putIfAbsent("a/b/empty", "", PEM);
    // A file where a folder must go: the write fails after its temporary file was written.
    await expect(store.putIfAbsent("a/b/one.pem/below", "x", PEM)).rejects.toThrow();
    await expect(store.putIfAbsent("a/b/one.pem/empty", "", PEM)).rejects.toThrow();
    expect(temporaryFiles()).toEqual([]);
    expect(existsSync(join(directory.path, ".tmp"))).toBe(true);
  });

  it("survives a concurrent delete that removed an emptied folder it had created", async () => {
    expect(await store.putIfAbsent("device_certificates/d-2/ab/certificate.pem", "1", PEM)).toBe(true);
    // Another store (another bundle or process) deletes the only object: the emptied folders go with it.
    const other: ObjectStore = new FileObjectStore(directory.path);
    await other.delete("device_certificates/d-2/ab/certificate.pem");
    expect(existsSync(join(directory.path, "device_certificates/d-2"))).toBe(false);
    expect(await store.putIfAbsent("device_certificates/d-2/ab/certificate_chain.pem", "2", PEM)).toBe(true);
    expect(await store.get("device_certificates/d-2/ab/certificate_chain.pem")).toBe("2");
    expect(await store.putIfAbsent("device_certificates/d-2/ab/empty", "", PEM)).toBe(true);
  });

  it("survives its folders and its temporary folder being removed behind its back", async () => {
    await store.putIfAbsent("a/b/one.pem", "1", PEM);
    await store.putIfAbsent("inventory/device/x", "", PEM);
    rmSync(join(directory.path, "a"), { recursive: true });
    rmSync(join(directory.path, "inventory"), { recursive: true });
    rmSync(join(directory.path, ".tmp"), { recursive: true });
    expect(await store.putIfAbsent("a/b/two.pem", "2", PEM)).toBe(true);
    expect(await store.putIfAbsent("inventory/device/y", "", PEM)).toBe(true);
    expect(await store.get("a/b/two.pem")).toBe("2");
    expect(temporaryFiles()).toEqual([]);
  });

  it("forgets the folders its own delete removed", async () => {
    await store.putIfAbsent("a/b/one.pem", "1", PEM);
    await store.delete("a/b/one.pem");
    expect(existsSync(join(directory.path, "a"))).toBe(false);
    expect(await store.putIfAbsent("a/b/one.pem", "again", PEM)).toBe(true);
    expect(await store.get("a/b/one.pem")).toBe("again");
  });

  it("writes into many folders, beyond those it remembers, and back into the first ones", async () => {
    for (let index = 0; index < 300; index += 1) {
      expect(await store.putIfAbsent(`many/f-${index}/a`, String(index), PEM)).toBe(true);
    }
    rmSync(join(directory.path, "many/f-0"), { recursive: true });
    rmSync(join(directory.path, "many/f-299"), { recursive: true });
    expect(await store.putIfAbsent("many/f-0/b", "b", PEM)).toBe(true);
    expect(await store.putIfAbsent("many/f-299/b", "b", PEM)).toBe(true);
    expect(await store.putIfAbsent("many/f-150/a", "again", PEM)).toBe(false);
    expect((await store.list("many/", { limit: 1000 })).keys).toHaveLength(300);
  });

  it("lets exactly one of many writers of one key win, across store instances, and keeps the winner's body", async () => {
    const stores: ObjectStore[] = [store, new FileObjectStore(directory.path), new FileObjectStore(directory.path)];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (stores[index % stores.length] as ObjectStore).putIfAbsent("race/ab/ca.json", `writer ${index}\n`, PEM),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get("race/ab/ca.json")).toBe(`writer ${results.indexOf(true)}\n`);
    expect(temporaryFiles()).toEqual([]);
  });

  it("never lists its temporary folder", async () => {
    await store.putIfAbsent("a/one", "1", PEM);
    writeFileSync(join(directory.path, ".tmp", "left-by-a-crash"), "x");
    expect((await store.list("")).keys).toEqual(["a/one"]);
  });

  it("refuses keys that could leave the store, and reports read failures as DependencyError", async () => {
    for (const key of ["../escape", "a/../../escape", "/absolute", "a//b", ".tmp/x", "a/./b", ""]) {
      await expect(store.putIfAbsent(key, "x", PEM), key).rejects.toThrow(/unsafe|outside/);
      await expect(store.putIfAbsent(key, "", PEM), key).rejects.toThrow(/unsafe|outside/);
    }
    await expect(store.get("../escape")).rejects.toBeInstanceOf(DependencyError);
    await store.putIfAbsent("a/folder/file", "x", PEM);
    await expect(store.get("a/folder")).rejects.toBeInstanceOf(DependencyError);
    expect(readdirSync(directory.path).sort()).toEqual([".tmp", "a"]);
  });

  it("does many writes at once (a batch of devices) with the right outcomes, modes and no temporary file", async () => {
    expect(await store.putIfAbsent("fleet/taken.pem", "first\n", PEM)).toBe(true);
    const keys = Array.from({ length: 40 }, (_, index) => `fleet/d-${index}/ab/certificate.pem`);
    const outcomes = await Promise.all([
      ...keys.map((key) => store.putIfAbsent(key, `${key}\n`, PEM)),
      ...keys.slice(0, 10).map((key) => store.putIfAbsent(key, "a second writer\n", PEM)),
      store.putIfAbsent("fleet/taken.pem", "second\n", PEM),
      ...keys.map((key) => store.putIfAbsent(`inventory/device/${key.split("/")[1]}`, "", "application/octet-stream")),
    ]);
    expect(outcomes.slice(0, 40)).toEqual(keys.map(() => true));
    expect(outcomes.slice(40, 51)).toEqual(Array.from({ length: 11 }, () => false));
    expect(outcomes.slice(51)).toEqual(keys.map(() => true));
    for (const key of keys) {
      expect(await store.get(key)).toBe(`${key}\n`);
      expect(modeOf(key)).toBe(0o600);
    }
    expect(await store.get("fleet/taken.pem")).toBe("first\n");
    expect(temporaryFiles()).toEqual([]);
  });

  it("reports writes that fail as DependencyErrors naming the key naming the key, and leaves no temporary file", async () => {
    await store.putIfAbsent("blocked", "a file where a folder must go", PEM);
    const writes = Array.from({ length: 20 }, (_, index) => store.putIfAbsent(`blocked/d-${index}.pem`, "x", PEM));
    const results = await Promise.allSettled(writes);
    for (const [index, result] of results.entries()) {
      expect(result.status).toBe("rejected");
      const reason = (result as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(DependencyError);
      expect(reason.message).toContain(`blocked/d-${index}.pem`);
    }
    expect(temporaryFiles()).toEqual([]);
  });
});
