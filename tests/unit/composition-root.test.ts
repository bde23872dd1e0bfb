/** Settings of issuance that the composition root reads from the environment. */
import { describe, expect, it } from "vitest";
import { describeConfiguration, issuanceContext, readConfiguration } from "../../src/composition-root.js";
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

describe("readConfiguration: where S3 is", () => {
  const bucket = { CERTIFICATE_BUCKET_NAME: "certificates" };

  it("passes ENDPOINT_URL (the template's variable for sam local) to the clients, and S3 goes path-style", () => {
    expect(readConfiguration({ ...bucket, ENDPOINT_URL: " http://127.0.0.1:5000 " })).toEqual({
      storage: "s3",
      bucket: "certificates",
      endpoint: "http://127.0.0.1:5000",
      s3Endpoint: "http://127.0.0.1:5000",
    });
  });

  it("leaves the SDK's own endpoint settings to the SDK, but knows S3 then goes path-style", () => {
    const s3Only = readConfiguration({ ...bucket, ENDPOINT_URL: "", AWS_ENDPOINT_URL_S3: "http://s3.local:9000" });
    expect(s3Only).toMatchObject({ endpoint: undefined, s3Endpoint: "http://s3.local:9000" });
    const all = readConfiguration({ ...bucket, AWS_ENDPOINT_URL: "http://aws.local:4566" });
    expect(all).toMatchObject({ endpoint: undefined, s3Endpoint: "http://aws.local:4566" });
    const both = readConfiguration({ ...bucket, AWS_ENDPOINT_URL: "http://a:1", AWS_ENDPOINT_URL_S3: "http://b:2" });
    expect(both).toMatchObject({ s3Endpoint: "http://b:2" });
  });

  it("on AWS (no endpoint setting, or the SDK told to ignore its settings): the SDK's endpoint, virtual-hosted", () => {
    expect(readConfiguration({ ...bucket, ENDPOINT_URL: "" })).toMatchObject({
      endpoint: undefined,
      s3Endpoint: undefined,
    });
    expect(
      readConfiguration({
        ...bucket,
        AWS_ENDPOINT_URL: "http://aws.local:4566",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      }),
    ).toMatchObject({ endpoint: undefined, s3Endpoint: undefined });
  });

  it("without a bucket: the local store, whatever the endpoint settings", () => {
    expect(readConfiguration({ AWS_ENDPOINT_URL: "http://aws.local:4566" })).toEqual({
      storage: "local",
      directory: ".local-store",
    });
  });

  it("says in the start-up line where S3 is", () => {
    expect(describeConfiguration(readConfiguration({ ...bucket, AWS_ENDPOINT_URL_S3: "http://s3.local:9000" }))).toBe(
      "S3 bucket 'certificates' at http://s3.local:9000, server certificates imported into ACM",
    );
  });
});
