/**
 * How many devices a batch issues at once: the core's default (16), or what
 * the issuance context says (the composition root gives the local store 64).
 * Measured as the number of certificate folders with a write in progress at
 * the same moment, on a store that holds writes back until that many arrive.
 */
import { describe, expect, it } from "vitest";
import { CertificateRepository } from "../../../../src/core/certificate-repository.js";
import { DEFAULT_BATCH_CONCURRENCY, issueDeviceBatch } from "../../../../src/core/issuance/issue-device-batch.js";
import type { ObjectStore } from "../../../../src/core/ports.js";
import { createMemoryHierarchy } from "./memory-hierarchy.js";

/**
 * The store, holding each device's writes until `expected` devices are
 * writing at once (or once no new device has started writing for 300 ms,
 * when fewer ever get there), and recording the most certificate folders
 * written at once.
 * Held writes make the figure independent of the machine's speed: a batch
 * that issues N at once shows exactly N, never fewer because some finished
 * early; the wait restarts at each device's first write, so a loaded machine's
 * slower signing does not open the gate early.
 */
function gatedStore(store: ObjectStore, expected: number): { store: ObjectStore; mostFoldersAtOnce: () => number } {
  const inFlight = new Map<string, number>();
  let most = 0;
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const open = () => {
    release();
    gate = Promise.resolve();
  };
  let timer: NodeJS.Timeout | undefined;
  const gated: ObjectStore = {
    get: (key) => store.get(key),
    delete: (key) => store.delete(key),
    list: (prefix, options) => store.list(prefix, options),
    async putIfAbsent(key, body, contentType) {
      const folder = key.startsWith("device_certificates/") ? key.split("/").slice(0, 3).join("/") : undefined;
      if (!folder) return store.putIfAbsent(key, body, contentType);
      // Fewer than `expected` may ever come: open 300 ms after the last new arrival, so that a slow
      // (loaded) machine that takes longer to reach its next device write still shows them all.
      clearTimeout(timer);
      timer = setTimeout(open, 300);
      inFlight.set(folder, (inFlight.get(folder) ?? 0) + 1);
      most = Math.max(most, inFlight.size);
      if (inFlight.size >= expected) {
        clearTimeout(timer);
        open();
      }
      try {
        await gate;
        return await store.putIfAbsent(key, body, contentType);
      } finally {
        const left = (inFlight.get(folder) ?? 1) - 1;
        if (left === 0) inFlight.delete(folder);
        else inFlight.set(folder, left);
      }
    },
  };
  return { store: gated, mostFoldersAtOnce: () => most };
}

describe("issueDeviceBatch concurrency", () => {
  it(`issues ${DEFAULT_BATCH_CONCURRENCY} devices at once by default`, async () => {
    const hierarchy = await createMemoryHierarchy();
    const { store, mostFoldersAtOnce } = gatedStore(hierarchy.store, DEFAULT_BATCH_CONCURRENCY);
    const results = await issueDeviceBatch({ count: 40, issuer: "devices" }, new CertificateRepository(store));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(mostFoldersAtOnce()).toBe(DEFAULT_BATCH_CONCURRENCY);
  });

  it.each([1, 5, 64])("issues as many devices at once as the context says (%i)", async (batchConcurrency) => {
    const hierarchy = await createMemoryHierarchy();
    const { store, mostFoldersAtOnce } = gatedStore(hierarchy.store, batchConcurrency);
    const results = await issueDeviceBatch({ count: 80, issuer: "devices" }, new CertificateRepository(store), {
      batchConcurrency,
    });
    expect(results.filter((result) => result.ok)).toHaveLength(80);
    expect(mostFoldersAtOnce()).toBe(batchConcurrency);
  });
});
