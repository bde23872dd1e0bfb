/**
 * ObjectStore on a local directory, for development without AWS. Keys map to
 * files under the root. A new object is written to a temporary file and then
 * hard-linked into place: `link` fails if the name exists, so creation is
 * exclusive and atomic (a reader never sees half a file), like S3's
 * `If-None-Match: *`.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, readdir, readFile, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";

const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.~\-/]*$/;

export class FileObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const path = this.pathOf(key);
    const temporary = join(this.root, ".tmp", randomUUID());
    await mkdir(dirname(temporary), { recursive: true });
    await writeFile(temporary, body, { mode: 0o600 });
    try {
      // Twice at most: a concurrent delete may remove the (then empty) folder between mkdir and link.
      for (let attempt = 1; ; attempt += 1) {
        await mkdir(dirname(path), { recursive: true });
        try {
          await link(temporary, path);
          return true;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EEXIST") return false;
          if (code === "ENOENT" && attempt < 2) continue;
          throw new DependencyError(`writing ${key} to the local store failed`, { cause: error });
        }
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new DependencyError(`reading ${key} from the local store failed`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    // Remove folders the deletion emptied (a lost race's serial folder), as S3 has no empty folders.
    for (let folder = dirname(path); folder !== this.root && folder.startsWith(this.root); folder = dirname(folder)) {
      try {
        await rmdir(folder);
      } catch {
        break; // not empty (or gone): stop climbing
      }
    }
  }

  /**
   * Lists keys under `prefix`. The prefix must end at a folder boundary
   * (`inventory/device/`) or inside one (`inventory/device/ab`): the folder is
   * read once and filtered, which stays fast at tens of thousands of entries.
   */
  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ObjectListing> {
    const slash = prefix.lastIndexOf("/");
    const folder = prefix.slice(0, slash + 1);
    const keys: string[] = [];
    await this.collect(folder, keys);
    const after = options.startAfter;
    const matching = keys.filter((key) => key.startsWith(prefix) && (after === undefined || key > after)).sort();
    const limit = options.limit ?? 1000;
    return { keys: matching.slice(0, limit), isTruncated: matching.length > limit };
  }

  private async collect(folder: string, into: string[]): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(folder === "" ? this.root : this.pathOf(folder.slice(0, -1)), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new DependencyError(`listing ${folder} in the local store failed`, { cause: error });
    }
    for (const entry of entries) {
      if (folder === "" && entry.name === ".tmp") continue;
      if (entry.isDirectory()) await this.collect(`${folder}${entry.name}/`, into);
      else into.push(`${folder}${entry.name}`);
    }
  }

  /** The file for `key`; throws for any key that could leave the root. */
  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new Error("refusing an unsafe object key");
    }
    const path = resolve(this.root, key);
    const inside = relative(this.root, path);
    if (inside.startsWith("..") || isAbsolute(inside)) throw new Error("refusing an object key outside the store");
    return path;
  }
}
