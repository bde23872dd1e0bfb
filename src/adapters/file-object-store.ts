/**
 * ObjectStore on a local directory, for development without AWS. Keys map to
 * files under the root. A new object is written to a temporary file and then
 * hard-linked into place: `link` fails if the name exists, so creation is
 * exclusive and atomic (a reader never sees half a file), like S3's
 * `If-None-Match: *`. An empty object (an inventory entry) has no half to
 * see: it is created in place with `O_CREAT | O_EXCL`, just as exclusive.
 *
 * Writes and reads use synchronous system calls, on the event loop's thread.
 * This store serves one developer's local server and the tests, never
 * Lambda: each call takes tens of microseconds on a local disk, less than
 * handing it to libuv's thread pool and back (`fs.promises` makes one round
 * trip per call). A writer thread of its own once took a batch's writes off
 * the event loop (~25 % faster batches on two CPUs), but its code had to be
 * eval'ed source text (a bundle holds one file), which a minifier may break;
 * BENCHMARKS.md has the figures of both. Listing stays asynchronous (a folder
 * of tens of thousands of entries is read in one call that may take
 * milliseconds).
 *
 * The store remembers the folders it created (or found), so the files of one
 * certificate folder cost one `mkdir`, not four; the memory is bounded, and a
 * folder removed behind its back (a concurrent `delete` removes emptied
 * folders) is noticed when a write into it fails with ENOENT: it is
 * forgotten, made again and the write retried.
 */
import { randomUUID } from "node:crypto";
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { readdir, rm, rmdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";

const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.~\-/]*$/;

/** Folder of temporary files, at the root; never listed. */
const TEMPORARY_FOLDER = ".tmp";

/** Files are private to the user running the server (CA keys among them). */
const FILE_MODE = 0o600;

/** Folders remembered as existing: enough for the certificates being written at once. */
const MAX_KNOWN_FOLDERS = 256;

export class FileObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly temporaryFolder: string;
  /** Unique per store instance (several may share a root, in one process or many); a counter follows it. */
  private readonly temporaryPrefix = `${randomUUID()}-`;
  private temporaryCount = 0;
  /** Folders known to exist, oldest first. */
  private readonly knownFolders = new Set<string>();

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
    this.temporaryFolder = join(this.root, TEMPORARY_FOLDER);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      if (body === "") return this.place(path, (target) => closeSync(openSync(target, "wx", FILE_MODE)));
      const temporaryPath = this.writeTemporary(body);
      try {
        return this.place(path, (target) => linkSync(temporaryPath, target));
      } finally {
        removeQuietly(temporaryPath);
      }
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

  /** Writes `body` to a fresh temporary file and returns its path; a failed write leaves no partial file. */
  private writeTemporary(body: string): string {
    const temporaryPath = join(this.temporaryFolder, `${this.temporaryPrefix}${++this.temporaryCount}`);
    try {
      try {
        writeFileSync(temporaryPath, body, { mode: FILE_MODE, flag: "wx" });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        // First write, or the temporary folder was removed behind our back: make it, once.
        mkdirSync(this.temporaryFolder, { recursive: true });
        writeFileSync(temporaryPath, body, { mode: FILE_MODE, flag: "wx" });
      }
    } catch (error) {
      removeQuietly(temporaryPath);
      throw error;
    }
    return temporaryPath;
  }

  /** Creates `path` with `create`, making its folder unless known: true when created, false on EEXIST. */
  private place(path: string, create: (path: string) => void): boolean {
    const folder = dirname(path);
    for (let made = 0; ; ) {
      if (!this.knownFolders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made += 1;
        this.remember(folder);
      }
      try {
        create(path);
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return false;
        this.knownFolders.delete(folder);
        // The folder went away between our mkdir and the write (a concurrent delete): make it again, once.
        if (code === "ENOENT" && made < 2) continue;
        throw error;
      }
    }
  }

  private remember(folder: string): void {
    this.knownFolders.add(folder);
    if (this.knownFolders.size > MAX_KNOWN_FOLDERS) {
      const oldest = this.knownFolders.values().next().value;
      if (oldest !== undefined) this.knownFolders.delete(oldest);
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

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone (or never created)
  }
}
