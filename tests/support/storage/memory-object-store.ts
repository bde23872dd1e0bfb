/**
 * An in-memory ObjectStore with the same contract as the S3 and file stores
 * (create-only writes, `undefined` for a missing key), that also records every
 * call in order, so tests can assert what was written, when, and that nothing
 * was touched at all.
 */
import type { ObjectStore } from "../../../src/core/ports.js";

export interface StoredObject {
  body: string;
  contentType: string;
}

export type StoreOperation =
  | { op: "putIfAbsent"; key: string; contentType: string; created: boolean }
  | { op: "get"; key: string; found: boolean }
  | { op: "delete"; key: string }
  | { op: "list"; key: string };

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly operations: StoreOperation[] = [];
  /**
   * Runs before each `putIfAbsent` decides, after the call was recorded: lets a
   * test simulate a concurrent writer taking the key in between.
   */
  beforePut: ((key: string) => void | Promise<void>) | undefined;

  constructor(initial: Iterable<[string, StoredObject]> = []) {
    for (const [key, value] of initial) this.objects.set(key, { ...value });
  }

  async putIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    await this.beforePut?.(key);
    // Yield once, as any real store would, so concurrent callers interleave.
    await Promise.resolve();
    const created = !this.objects.has(key);
    if (created) this.objects.set(key, { body, contentType });
    this.operations.push({ op: "putIfAbsent", key, contentType, created });
    return created;
  }

  async get(key: string): Promise<string | undefined> {
    await Promise.resolve();
    const object = this.objects.get(key);
    this.operations.push({ op: "get", key, found: object !== undefined });
    return object?.body;
  }

  async delete(key: string): Promise<void> {
    await Promise.resolve();
    this.objects.delete(key);
    this.operations.push({ op: "delete", key });
  }

  /** Keys under `prefix` in byte order, after `startAfter`, at most `limit` (default 1,000). */
  async list(
    prefix: string,
    options: { startAfter?: string | undefined; limit?: number | undefined } = {},
  ): Promise<{ keys: string[]; isTruncated: boolean }> {
    await Promise.resolve();
    this.operations.push({ op: "list", key: prefix });
    const { startAfter, limit = 1000 } = options;
    const matching = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
    return { keys: matching.slice(0, limit), isTruncated: matching.length > limit };
  }

  /** The body at `key`; throws when there is none (for tests that expect it). */
  body(key: string): string {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object at ${key}; keys: ${this.keys().join(", ")}`);
    return object.body;
  }

  /** Every key, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** A deep copy of every object, to compare before/after. */
  snapshot(): Record<string, StoredObject> {
    return Object.fromEntries([...this.objects].map(([key, value]) => [key, { ...value }]));
  }

  /** A new store holding a copy of this one's objects (and no recorded operations). */
  clone(): MemoryObjectStore {
    return new MemoryObjectStore(this.objects);
  }

  /** Keys written (created) by `putIfAbsent`, in order. */
  createdKeys(): string[] {
    return this.operations.flatMap((operation) =>
      operation.op === "putIfAbsent" && operation.created ? [operation.key] : [],
    );
  }

  /** Forgets the recorded operations (keeps the objects). */
  clearOperations(): void {
    this.operations.length = 0;
  }
}
