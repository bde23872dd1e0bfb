/** Timing primitives of the harness (impure: they read the clock). */
import { performance } from "node:perf_hooks";

/** Milliseconds `fn` took. */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Runs `worker` on `concurrency` loops for about `durationMs` (at most
 * `maxOperations` operations in all) and returns operations per second,
 * counted until the last operation in flight completed.
 */
export async function throughput(
  worker: (index: number) => Promise<unknown>,
  options: { concurrency: number; durationMs: number; maxOperations: number },
): Promise<{ perSecond: number; operations: number; elapsedMs: number }> {
  const started = performance.now();
  const deadline = started + options.durationMs;
  let issued = 0;
  let completed = 0;
  const loop = async () => {
    while (issued < options.maxOperations && performance.now() < deadline) {
      const index = issued++;
      await worker(index);
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const elapsedMs = performance.now() - started;
  return { perSecond: (completed * 1000) / elapsedMs, operations: completed, elapsedMs };
}

/** Lets pending I/O and timers run, and gives the collector a chance, between measurements. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  (globalThis as { gc?: () => void }).gc?.();
}
