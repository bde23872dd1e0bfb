/** Settings of issuance that the composition root reads from the environment. */
import { describe, expect, it } from "vitest";
import { issuanceContext } from "../../src/composition-root.js";
import { DEFAULT_BATCH_CONCURRENCY } from "../../src/core/issuance/issue-device-batch.js";

describe("issuanceContext", () => {
  it("lets a batch on the local store issue 64 devices at once (key generation and signing overlap its writes)", () => {
    expect(issuanceContext({ LOCAL_STORE_DIR: "/tmp/store" }).batchConcurrency).toBe(64);
    expect(issuanceContext({}).batchConcurrency).toBe(64);
  });

  it(`keeps the core's default (${DEFAULT_BATCH_CONCURRENCY}) on S3, whose new prefixes take 3,500 PUTs per second`, () => {
    expect(issuanceContext({ CERTIFICATE_BUCKET_NAME: "certificates" }).batchConcurrency).toBeUndefined();
  });

  it("carries PUBLIC_BASE_URL and no key pool unless KEY_POOL_SIZE asks for one", () => {
    const context = issuanceContext({ CERTIFICATE_BUCKET_NAME: "b", PUBLIC_BASE_URL: " https://pki.example.com " });
    expect(context.publicBaseUrl).toBe("https://pki.example.com");
    expect(context.keyPairs).toBeUndefined();
  });
});
