/**
 * An in-memory ObjectStore for benchmarking the core without storage cost:
 * the same contract as the S3 and file stores (create-only writes), and
 * nothing else (no operation log that would grow with every call).
 */
import type { ObjectListing, ObjectStore } from "../../src/core/ports.js";

export class BenchMemoryStore implements ObjectStore {
  private readonly objects = new Map<string, string>();

  /** A new store holding the same objects. */
  clone(): BenchMemoryStore {
    const copy = new BenchMemoryStore();
    for (const [key, body] of this.objects) copy.objects.set(key, body);
    return copy;
  }

  get size(): number {
    return this.objects.size;
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(
    prefix: string,
    options: { startAfter?: string | undefined; limit?: number | undefined } = {},
  ): Promise<ObjectListing> {
    const after = options.startAfter;
    const keys = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .sort();
    const limit = options.limit ?? 1000;
    return { keys: keys.slice(0, limit), isTruncated: keys.length > limit };
  }
}
