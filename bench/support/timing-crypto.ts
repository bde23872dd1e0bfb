/**
 * Adds up the time spent in WebCrypto's `subtle.generateKey`, by wrapping
 * that one method of Node's own `crypto.subtle` for as long as a section
 * runs. It splits an issuance into key generation and everything else, which
 * separates the service's own overhead from the (very noisy) RSA key
 * generation. The core keeps using `globalThis.crypto` itself, so it takes
 * the same paths as in production.
 */
import { performance } from "node:perf_hooks";

export interface KeyGenerationTimer {
  /** Milliseconds spent in generateKey since the last take(). */
  take(): number;
  /** Puts the original generateKey back. */
  restore(): void;
}

export function timeKeyGeneration(subtle: SubtleCrypto = globalThis.crypto.subtle): KeyGenerationTimer {
  let spent = 0;
  const original = subtle.generateKey;
  const timed = async function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto["generateKey"]>) {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      spent += performance.now() - started;
    }
  };
  Object.defineProperty(subtle, "generateKey", { value: timed, configurable: true, writable: true });
  return {
    take() {
      const value = spent;
      spent = 0;
      return value;
    },
    restore() {
      delete (subtle as { generateKey?: unknown }).generateKey;
      if (subtle.generateKey !== original)
        Object.defineProperty(subtle, "generateKey", { value: original, configurable: true, writable: true });
    },
  };
}
