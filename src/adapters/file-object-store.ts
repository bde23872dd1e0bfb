/**
 * ObjectStore on a local directory, for development without AWS. Keys map to
 * files under the root. A new object is written to a temporary file and then
 * hard-linked into place: `link` fails if the name exists, so creation is
 * exclusive and atomic (a reader never sees half a file), like S3's
 * `If-None-Match: *`. An empty object (an inventory entry) has no half to
 * see: it is created in place with `O_CREAT | O_EXCL`, just as exclusive.
 *
 * Writes are gathered per event-loop turn and, when many come at once (a
 * batch of devices), run on a thread of their own (`file-writer-thread.ts`),
 * so their ~20 system calls per certificate overlap with the signing of the
 * next one instead of holding the event loop; a few are done in place. This
 * store serves one developer's local server and the tests, never Lambda. Reads are synchronous (one
 * `readFile` of a small file costs less than a hand-off to libuv's pool);
 * listing stays asynchronous (a folder of tens of thousands of entries is
 * read in one call that may take milliseconds).
 *
 * The writer remembers the folders it created (or found), so the files of
 * one certificate folder cost one `mkdir`, not four; the memory is bounded, and a folder removed behind its back (a concurrent `delete`
 * removes emptied folders) is noticed when a write into it fails with
 * ENOENT: it is forgotten, made again and the write retried.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, rm, rmdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";
import { fileWriterThread } from "./file-writer-thread.js";

const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.~\-/]*$/;

/** Folder of temporary files, at the root; never listed. */
const TEMPORARY_FOLDER = ".tmp";

export class FileObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly temporaryFolder: string;
  /** Unique per store instance (several may share a root, in one process or many); a counter follows it. */
  private readonly temporaryPrefix = `${randomUUID()}-`;
  private temporaryCount = 0;

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
    this.temporaryFolder = join(this.root, TEMPORARY_FOLDER);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const path = this.pathOf(key);
    const temporaryPath = join(this.temporaryFolder, `${this.temporaryPrefix}${++this.temporaryCount}`);
    try {
      const outcome = await fileWriterThread().write({
        path,
        body,
        temporaryPath,
        temporaryFolder: this.temporaryFolder,
      });
      return outcome === "created";
    } catch (error) {
      throw new DependencyError(`writing ${key} to the local store failed`, { cause: error });
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return readFileSync(this.pathOf(key), "utf8");
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
      if (folder === "" && entry.name === TEMPORARY_FOLDER) continue;
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
