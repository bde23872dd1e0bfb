/**
 * A bucket in memory, at the level of the `ObjectStore` port:
 *
 * - `InMemoryObjectStore`: the port's contract on a map of key to body, to make
 *   real CA and certificate material with the core;
 * - `RecordingObjectStore`: the same with S3's rules (`putIfAbsent` refuses an
 *   existing key, `list` goes in byte order and returns at most 1,000 keys),
 *   recording every call in order (into a timeline it may share with other
 *   fakes, e.g. a recording importer), and failing chosen calls the way the S3
 *   adapter fails on a 500 or a missing bucket: with a `DependencyError`.
 *
 * Handler tests inject it through `useServicesForTesting` (composition root).
 * What goes over the wire (bucket, `If-None-Match: *`, status codes) is the S3
 * adapter's business, asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import { DependencyError } from "../../../src/core/errors.js";
import type { ObjectListing, ObjectStore } from "../../../src/core/ports.js";

/** An ObjectStore in memory, with the contract of the S3 and file stores. */
export class InMemoryObjectStore implements ObjectStore {
  constructor(readonly objects = new Map<string, string>()) {}

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
    const { startAfter, limit = 1000 } = options;
    const matching = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort();
    return { keys: matching.slice(0, limit), isTruncated: matching.length > limit };
  }
}

/** One call to the ObjectStore port, as recorded (for `list`, `key` is the prefix). */
export type StoreCall =
  | { operation: "putIfAbsent"; key: string; body: string; contentType: string }
  | { operation: "get"; key: string }
  | { operation: "delete"; key: string }
  | { operation: "list"; key: string; startAfter: string | undefined; limit: number | undefined };

/** The most keys S3 returns in one ListObjectsV2 page. */
const S3_MAX_KEYS = 1000;

export class RecordingObjectStore implements ObjectStore {
  /** The objects (key to body); tests may change them directly to set up a case. */
  readonly objects: Map<string, string>;
  /**
   * Decides, after a call was recorded and before it takes effect, whether it
   * fails: a failing call has no effect and throws a `DependencyError`.
   */
  failWhen: ((call: StoreCall) => boolean) | undefined;
  /**
   * Runs after a call was recorded, before it takes effect (and before
   * `failWhen`): lets a test play a concurrent writer, e.g. take the key a
   * `putIfAbsent` is about to create.
   */
  beforeEffect: ((call: StoreCall) => void) | undefined;
  private readonly inner: InMemoryObjectStore;

  constructor(
    /** Where every call is appended, in call order; pass a shared array to interleave with other fakes. */
    readonly timeline: { operation: string }[] = [],
    initial: Iterable<[string, string]> = [],
    options: { failWhen?: (call: StoreCall) => boolean } = {},
  ) {
    this.inner = new InMemoryObjectStore(new Map(initial));
    this.objects = this.inner.objects;
    this.failWhen = options.failWhen;
  }

  async putIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    this.record({ operation: "putIfAbsent", key, body, contentType });
    return this.inner.putIfAbsent(key, body);
  }

  async get(key: string): Promise<string | undefined> {
    this.record({ operation: "get", key });
    return this.inner.get(key);
  }

  async delete(key: string): Promise<void> {
    this.record({ operation: "delete", key });
    return this.inner.delete(key);
  }

  async list(
    prefix: string,
    options: { startAfter?: string | undefined; limit?: number | undefined } = {},
  ): Promise<ObjectListing> {
    const { startAfter, limit } = options;
    this.record({ operation: "list", key: prefix, startAfter, limit });
    return this.inner.list(prefix, { startAfter, limit: Math.min(limit ?? S3_MAX_KEYS, S3_MAX_KEYS) });
  }

  /** Every recorded call to this store, in order (leaving out other fakes' events in a shared timeline). */
  calls(): StoreCall[] {
    return this.timeline.filter(isStoreCall);
  }

  /** The body at `key`; throws when there is none (for tests that expect it). */
  body(key: string): string {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`no object at ${key}; keys: ${this.keys().join(", ")}`);
    return body;
  }

  /** Every key, in byte order. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** A copy of every object, to compare before and after. */
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.objects);
  }

  private record(call: StoreCall): void {
    this.timeline.push(call);
    this.beforeEffect?.(call);
    if (this.failWhen?.(call)) {
      throw new DependencyError(`injected store failure: ${call.operation} ${call.key}`);
    }
  }
}

const STORE_OPERATIONS: ReadonlySet<string> = new Set(["putIfAbsent", "get", "delete", "list"]);

/** True for an event a RecordingObjectStore recorded. */
export function isStoreCall(event: { operation: string }): event is StoreCall {
  return STORE_OPERATIONS.has(event.operation);
}
