/**
 * Key pairs made ahead of time, for a long-running process (the local
 * server): an RSA-2048 key takes ~150–250 ms to generate, nearly all of a
 * server certificate's issuance, so a request that finds a key ready answers
 * in a few milliseconds, below the cost of generating the key at all.
 *
 * Why this is safe (SECURITY.md repeats it):
 * - Each key comes from the same WebCrypto `generateKey` as an unpooled one
 *   (OpenSSL's CSPRNG): making it earlier changes nothing about the key.
 * - A key is handed out once: `take` removes it from the pool before
 *   returning it, and it never comes back, even when the request that took
 *   it fails. No two certificates can share a key.
 * - Keys live only in this process's memory, where the signing CAs' private
 *   keys already are (cached for issuance); they are never written anywhere,
 *   and stopping the pool drops them.
 * - The pool is small and bounded (`size` per algorithm); only algorithms
 *   whose generation is slow are pooled (RSA; EC and Ed25519 keys take
 *   ~0.1 ms); a pooled algorithm starts being kept ready at its first use
 *   (or at `start` for the preloaded ones), and one key is made in the
 *   background for each key taken, one at a time per algorithm.
 * - Only leaf keys come from it (see sign-with-authority.ts): CA keys are
 *   always made at the moment the CA is created.
 * - Off by default: a Lambda function is frozen between invocations and
 *   would never refill it. The local server turns it on (KEY_POOL_SIZE).
 */
import { generateKeyPair, type KeyAlgorithm } from "./key-algorithms.js";

/** Where issuance gets the key pair of a leaf whose key the service makes. */
export interface KeyPairSource {
  /** A fresh key pair, never handed out before. */
  take(algorithm: KeyAlgorithm): Promise<CryptoKeyPair>;
}

export interface KeyPoolOptions {
  /** Keys kept ready per pooled algorithm (1 to 64). */
  size: number;
  /** Algorithms worth pooling; others are generated on demand. Default: the RSA sizes. */
  pooledAlgorithms?: readonly KeyAlgorithm[] | undefined;
  /** Algorithms kept ready from `start()` on, before their first use. */
  preload?: readonly KeyAlgorithm[] | undefined;
  /** How a key is made; WebCrypto's generateKey by default (tests count calls). */
  generate?: ((algorithm: KeyAlgorithm) => Promise<CryptoKeyPair>) | undefined;
}

export interface KeyPoolStatistics {
  /** Keys handed out ready-made. */
  hits: number;
  /** Keys generated for the caller because none was ready (or the algorithm is not pooled). */
  misses: number;
  /** Keys ready now, per pooled algorithm in use. */
  ready: Partial<Record<KeyAlgorithm, number>>;
}

export const MAX_KEY_POOL_SIZE = 64;
const RSA_ALGORITHMS: readonly KeyAlgorithm[] = ["RSA-2048", "RSA-3072", "RSA-4096"];

export class KeyPool implements KeyPairSource {
  private readonly size: number;
  private readonly pooled: ReadonlySet<KeyAlgorithm>;
  private readonly preload: readonly KeyAlgorithm[];
  private readonly generate: (algorithm: KeyAlgorithm) => Promise<CryptoKeyPair>;
  private readonly ready = new Map<KeyAlgorithm, CryptoKeyPair[]>();
  private readonly filling = new Set<KeyAlgorithm>();
  private stopped = false;
  private hits = 0;
  private misses = 0;

  constructor(options: KeyPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1 || options.size > MAX_KEY_POOL_SIZE) {
      throw new RangeError(`a key pool holds 1 to ${MAX_KEY_POOL_SIZE} keys per algorithm; got ${options.size}`);
    }
    this.size = options.size;
    this.pooled = new Set(options.pooledAlgorithms ?? RSA_ALGORITHMS);
    this.preload = (options.preload ?? []).filter((algorithm) => this.pooled.has(algorithm));
    this.generate = options.generate ?? ((algorithm) => generateKeyPair(algorithm));
  }

  /** Starts making the preloaded algorithms' keys in the background. */
  start(): this {
    for (const algorithm of this.preload) this.refill(algorithm);
    return this;
  }

  /** Drops every ready key and makes no more; `take` then generates on demand. */
  stop(): void {
    this.stopped = true;
    this.ready.clear();
  }

  async take(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
    if (this.stopped || !this.pooled.has(algorithm)) {
      this.misses += 1;
      return this.generate(algorithm);
    }
    const key = this.ready.get(algorithm)?.shift();
    this.refill(algorithm);
    if (key) {
      this.hits += 1;
      return key;
    }
    this.misses += 1;
    return this.generate(algorithm);
  }

  statistics(): KeyPoolStatistics {
    const ready: KeyPoolStatistics["ready"] = {};
    for (const [algorithm, keys] of this.ready) ready[algorithm] = keys.length;
    return { hits: this.hits, misses: this.misses, ready };
  }

  /** Makes keys one at a time until `size` are ready, in the background; one filler per algorithm. */
  private refill(algorithm: KeyAlgorithm): void {
    if (this.stopped || this.filling.has(algorithm)) return;
    let keys = this.ready.get(algorithm);
    if (!keys) {
      keys = [];
      this.ready.set(algorithm, keys);
    }
    if (keys.length >= this.size) return;
    this.filling.add(algorithm);
    void this.fill(algorithm, keys).finally(() => this.filling.delete(algorithm));
  }

  private async fill(algorithm: KeyAlgorithm, keys: CryptoKeyPair[]): Promise<void> {
    try {
      while (!this.stopped && keys.length < this.size) keys.push(await this.generate(algorithm));
    } catch {
      // A failed generation stops filling until the next take starts it again.
    }
  }
}
