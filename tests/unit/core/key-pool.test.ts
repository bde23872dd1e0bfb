/**
 * The key pool of the long-running local server (src/core/key-pool.ts): what
 * its safety argument rests on. Every key is handed out at most once, the
 * pool never holds more than its size, unpooled algorithms and a stopped pool
 * generate on demand, a failed generation does not wedge it, and issuance
 * takes leaf keys (never CA keys) from it.
 */
import { describe, expect, it } from "vitest";
import { CertificateRepository } from "../../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../../src/core/issuance/issue-server-certificate.js";
import type { KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { KeyPool } from "../../../src/core/key-pool.js";
import { MemoryObjectStore } from "../../support/storage/memory-object-store.js";
import { RecordingImporter } from "./issuance/memory-hierarchy.js";

/**
 * A generator that records each call and can be made to fail. Its "keys" are
 * distinct objects resolved at once, so the pool's bookkeeping runs
 * deterministically; real keys go through the pool in the issuance test below.
 */
function recordingGenerator() {
  const made: { algorithm: KeyAlgorithm; keys: CryptoKeyPair }[] = [];
  let failNext = 0;
  const generate = async (algorithm: KeyAlgorithm): Promise<CryptoKeyPair> => {
    if (failNext > 0) {
      failNext -= 1;
      throw new Error("generation failed");
    }
    const id = made.length;
    const keys = { publicKey: { id }, privateKey: { id } } as unknown as CryptoKeyPair;
    made.push({ algorithm, keys });
    return keys;
  };
  return { made, generate, failNextGenerations: (count: number) => (failNext = count) };
}

/** Lets queued generations (promise chains) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("KeyPool", () => {
  it("preloads to its size, hands each key out once, and makes one key per key taken", async () => {
    const generator = recordingGenerator();
    const pool = new KeyPool({ size: 3, preload: ["RSA-2048"], generate: generator.generate }).start();
    await settle();
    expect(pool.statistics().ready).toEqual({ "RSA-2048": 3 });
    expect(generator.made).toHaveLength(3);

    const taken: CryptoKeyPair[] = [];
    for (let i = 0; i < 10; i++) {
      taken.push(await pool.take("RSA-2048"));
      await settle();
      expect(pool.statistics().ready["RSA-2048"]).toBeLessThanOrEqual(3);
    }
    expect(new Set(taken).size).toBe(10);
    // Every key taken came from the pool (the refill keeps up here) and was replaced by exactly one new key.
    expect(pool.statistics()).toMatchObject({ hits: 10, misses: 0, ready: { "RSA-2048": 3 } });
    expect(generator.made).toHaveLength(13);
    // The keys still in the pool are not among those handed out.
    const handedOut = new Set(taken);
    expect(generator.made.slice(-3).every(({ keys }) => !handedOut.has(keys))).toBe(true);
    pool.stop();
  });

  it("generates for the caller when no key is ready, and concurrent callers never share a key", async () => {
    const generator = recordingGenerator();
    const pool = new KeyPool({ size: 2, generate: generator.generate });
    const keys = await Promise.all(Array.from({ length: 8 }, () => pool.take("RSA-3072")));
    expect(new Set(keys).size).toBe(8);
    await settle();
    const { hits, misses, ready } = pool.statistics();
    expect(hits + misses).toBe(8);
    expect(misses).toBe(8); // nothing was ready before the first take
    expect(ready).toEqual({ "RSA-3072": 2 }); // the algorithm is kept ready from its first use on
    pool.stop();
  });

  it("does not pool algorithms that are fast to generate, and stops making keys when stopped", async () => {
    const generator = recordingGenerator();
    const pool = new KeyPool({ size: 4, preload: ["RSA-2048", "EC-P256"], generate: generator.generate }).start();
    await pool.take("EC-P256");
    await pool.take("Ed25519");
    await settle();
    expect(pool.statistics().ready).toEqual({ "RSA-2048": 4 });
    expect(generator.made.filter(({ algorithm }) => algorithm !== "RSA-2048")).toHaveLength(2);

    pool.stop();
    const before = generator.made.length;
    await pool.take("RSA-2048");
    await settle();
    expect(pool.statistics().ready).toEqual({});
    expect(generator.made.length).toBe(before + 1); // the caller's own key, and no refill
  });

  it("survives failed generations: the caller sees the error, the next take refills", async () => {
    const generator = recordingGenerator();
    const pool = new KeyPool({ size: 2, generate: generator.generate });
    generator.failNextGenerations(2); // the caller's and the background refill's
    await expect(pool.take("RSA-2048")).rejects.toThrow("generation failed");
    await settle();
    expect(pool.statistics().ready).toEqual({ "RSA-2048": 0 });
    await pool.take("RSA-2048");
    await settle();
    expect(pool.statistics().ready).toEqual({ "RSA-2048": 2 });
    pool.stop();
  });

  it("refuses a size outside 1 to 64", () => {
    for (const size of [0, -1, 65, 1.5, Number.NaN]) {
      expect(() => new KeyPool({ size })).toThrow(/1 to 64/);
    }
  });
});

describe("issuance with a key pool", () => {
  it("takes server and device keys from the pool, never an intermediate's, and each certificate has its own key", async () => {
    const repository = new CertificateRepository(new MemoryObjectStore());
    const asked: string[] = [];
    const pool = new KeyPool({ size: 2, pooledAlgorithms: ["EC-P256"], preload: ["EC-P256"] }).start();
    const keyPairs = {
      take: (algorithm: KeyAlgorithm) => {
        asked.push(algorithm);
        return pool.take(algorithm);
      },
    };
    const context = { keyPairs };
    await createRootCertificateAuthority({ keyAlgorithm: "EC-P256" }, repository, context);
    for (const name of ["servers", "devices"]) {
      await createIntermediateCertificateAuthority({ name, keyAlgorithm: "EC-P256" }, repository, context);
    }
    expect(asked).toEqual([]);

    const server = await issueServerCertificate(
      { fqdn: "broker.dev.example.com", issuer: "servers", keyAlgorithm: "EC-P256" },
      repository,
      new RecordingImporter(),
      context,
    );
    const devices = await Promise.all(
      ["a", "b", "c"].map((deviceId) =>
        issueDeviceCertificate({ deviceId, issuer: "devices", keyAlgorithm: "EC-P256" }, repository, context),
      ),
    );
    expect(asked).toEqual(["EC-P256", "EC-P256", "EC-P256", "EC-P256"]);
    const keys = [server, ...devices].map((issued) => issued.privateKeyPem);
    expect(keys.every((pem) => pem?.startsWith("-----BEGIN PRIVATE KEY-----"))).toBe(true);
    expect(new Set(keys).size).toBe(4);
    pool.stop();
  });
});
