/**
 * A WebCrypto that delegates to Node's and adds up the time spent in
 * `subtle.generateKey`. Passed as the issuance context's `crypto`, it splits
 * an issuance into key generation and everything else, which separates the
 * service's own overhead from the (very noisy) RSA key generation.
 */
import { performance } from "node:perf_hooks";

export interface TimingCrypto {
  crypto: Crypto;
  /** Milliseconds spent in generateKey since the last take(). */
  take(): number;
}

export function timingCrypto(base: Crypto = globalThis.crypto): TimingCrypto {
  let spent = 0;
  const subtle = new Proxy(base.subtle, {
    get(target, property) {
      if (property === "generateKey") {
        return async (...args: Parameters<SubtleCrypto["generateKey"]>) => {
          const started = performance.now();
          try {
            return await target.generateKey(...args);
          } finally {
            spent += performance.now() - started;
          }
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const crypto = {
    subtle,
    getRandomValues: <T extends ArrayBufferView | null>(array: T) =>
      base.getRandomValues(array as ArrayBufferView) as T,
    randomUUID: () => base.randomUUID(),
  } as Crypto;
  return {
    crypto,
    take() {
      const value = spent;
      spent = 0;
      return value;
    },
  };
}
