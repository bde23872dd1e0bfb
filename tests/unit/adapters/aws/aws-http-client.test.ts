/**
 * AwsHttpClient against a recording HTTP server: the transport behaviour the
 * adapters rely on — retries as the SDK's standard mode, the socket timeout,
 * the response size bound, the endpoint's base path and keep-alive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AwsHttpClient,
  type AwsHttpClientOptions,
  AwsNetworkError,
} from "../../../../src/adapters/aws/aws-http-client.js";
import { type RecordingServer, startRecordingServer } from "../../../support/recording-http-server.js";

let server: RecordingServer;

beforeAll(async () => {
  server = await startRecordingServer();
});

afterAll(async () => {
  await server?.close();
});

function client(options: Partial<AwsHttpClientOptions> = {}): AwsHttpClient {
  return new AwsHttpClient({
    endpoint: server.endpoint,
    region: "eu-north-1",
    service: "s3",
    credentials: async () => ({ accessKeyId: "AKIDTEST", secretAccessKey: "secret" }),
    errorCodeOf: (response) => /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1],
    retryDelayMs: () => 0,
    ...options,
  });
}

describe("AwsHttpClient retries", () => {
  it("retries 5xx, 429 and throttling codes; answers the first response that is not retryable", async () => {
    server.script([{ status: 500 }, { status: 429 }, { status: 200, body: "done" }]);
    expect(await client().send({ method: "GET", path: "/k" })).toMatchObject({ status: 200, body: "done" });
    expect(server.requests).toHaveLength(3);
  });

  it("answers the last response after 3 attempts", async () => {
    server.script([], { status: 503, body: "<Error><Code>SlowDown</Code></Error>" });
    expect((await client().send({ method: "GET", path: "/k" })).status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("never retries other 4xx", async () => {
    for (const status of [400, 403, 404, 409, 412]) {
      server.script([{ status, body: "<Error><Code>Whatever</Code></Error>" }], { status: 200 });
      expect((await client().send({ method: "GET", path: "/k" })).status).toBe(status);
      expect(server.requests).toHaveLength(1);
    }
  });

  it("signs every attempt afresh and sends the same body each time", async () => {
    server.script([{ status: 500 }, { status: 200 }]);
    await client().send({ method: "PUT", path: "/k", body: "payload", headers: { "if-none-match": "*" } });
    expect(server.requests.map((request) => request.body.toString())).toEqual(["payload", "payload"]);
    expect(server.requests.every((request) => request.headers.authorization?.startsWith("AWS4-HMAC-SHA256 "))).toBe(
      true,
    );
  });

  it("throws AwsNetworkError after 3 dropped connections, naming the attempts", async () => {
    server.script([], "drop");
    const failure = await client()
      .send({ method: "GET", path: "/k" })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsNetworkError);
    expect(failure).toMatchObject({ attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it("waits with full jitter by default: at most 100 ms, then 200 ms", async () => {
    server.script([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const started = Date.now();
    await client({ retryDelayMs: undefined }).send({ method: "GET", path: "/k" });
    expect(Date.now() - started).toBeLessThan(300 + 200);
  });

  it("does not retry when the credentials cannot be had", async () => {
    server.script([], { status: 200 });
    const failing = client({
      credentials: async () => {
        throw new Error("no credentials");
      },
    });
    await expect(failing.send({ method: "GET", path: "/k" })).rejects.toThrow("no credentials");
    expect(server.requests).toHaveLength(0);
  });
});

describe("AwsHttpClient limits", () => {
  it("fails a request whose socket stays silent past the timeout", async () => {
    server.script([], { status: 200, delayMs: 500 });
    const failure = await client({ timeoutMs: 50, maxAttempts: 1 })
      .send({ method: "GET", path: "/k" })
      .then(
        () => new Error("expected a rejection"),
        (error: unknown) => error as Error,
      );
    expect(failure).toBeInstanceOf(AwsNetworkError);
    expect(failure.message).toMatch(/no response within 50 ms/);
  });

  it("fails a response body larger than the bound, without retrying", async () => {
    server.script([], { status: 200, body: "x".repeat(2048) });
    const failure = await client({ maxResponseBytes: 1024 })
      .send({ method: "GET", path: "/k" })
      .then(
        () => new Error("expected a rejection"),
        (error: unknown) => error as Error,
      );
    expect(failure).toBeInstanceOf(AwsNetworkError);
    expect(failure.message).toMatch(/larger than 1024 bytes/);
    expect(server.requests).toHaveLength(1);
  });
});

describe("AwsHttpClient requests", () => {
  it("prefixes the endpoint's base path, encodes path and query as signed, and reads headers in lower case", async () => {
    server.script([{ status: 200, headers: { "X-Amz-Request-Id": "R1" }, body: "ok" }]);
    const response = await client({ endpoint: `${server.endpoint}/base/` }).send({
      method: "GET",
      path: "/a b/c+d",
      query: { "q*": "v w/x" },
    });
    expect(response.headers["x-amz-request-id"]).toBe("R1");
    expect(server.requests[0]?.rawPath).toBe("/base/a%20b/c%2Bd");
    expect(server.requests[0]?.query).toEqual({ "q*": "v w/x" });
  });

  it("reuses one connection for consecutive requests (keep-alive)", async () => {
    server.script([], { status: 200 });
    const aClient = client();
    for (let i = 0; i < 3; i++) await aClient.send({ method: "GET", path: "/k" });
    expect(server.requests.map((request) => request.headers.connection)).toEqual(Array(3).fill("keep-alive"));
    expect(new Set(server.requests.map((request) => request.remotePort)).size).toBe(1);
  });

  it("refuses an endpoint that is not http(s)", () => {
    expect(() => client({ endpoint: "ftp://example.com" })).toThrow(/http\(s\) URL/);
  });
});
