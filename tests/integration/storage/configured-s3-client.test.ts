/**
 * The S3 client the composition root makes, as a function gets it from the
 * environment: it reaches a local S3 protocol server (moto_server) named by
 * the project's `ENDPOINT_URL` or by the SDK's own `AWS_ENDPOINT_URL_S3`
 * (path-style addressing: such a server has no per-bucket host names), and it
 * gives up on a server that accepts the connection but never answers within
 * its request timeout instead of hanging past the function's 30 s.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AWS_REQUEST_TIMEOUTS, configuredObjectStore, resetServicesForTesting } from "../../../src/composition-root.js";
import { DependencyError } from "../../../src/core/errors.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { rejection } from "../../support/rejections.js";

const BUCKET = "configured-client-test";

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
});

afterAll(async () => {
  await moto?.stop();
});

afterEach(() => {
  resetServicesForTesting();
  vi.unstubAllEnvs();
});

/** The environment of a function on S3, without any endpoint setting; `endpoint` adds one. */
function stubFunctionEnvironment(endpoint: Record<string, string>): void {
  for (const name of ["ENDPOINT_URL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_ACM"]) {
    vi.stubEnv(name, "");
  }
  vi.stubEnv("AWS_PROFILE", "");
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", BUCKET);
  vi.stubEnv("AWS_REGION", moto.env.AWS_REGION ?? "us-east-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  for (const [name, value] of Object.entries(endpoint)) vi.stubEnv(name, value);
}

describe("the configured S3 client", () => {
  it("reaches the server named by ENDPOINT_URL (the template's variable for sam local)", async () => {
    stubFunctionEnvironment({ ENDPOINT_URL: moto.endpoint });
    const store = configuredObjectStore();
    expect(await store.putIfAbsent("endpoint-url/a.json", "{}", "application/json")).toBe(true);
    expect(await store.get("endpoint-url/a.json")).toBe("{}");
  });

  it("reaches the server named by the SDK's AWS_ENDPOINT_URL_S3", async () => {
    stubFunctionEnvironment({ AWS_ENDPOINT_URL_S3: moto.endpoint });
    const store = configuredObjectStore();
    expect(await store.putIfAbsent("endpoint-url-s3/a.json", "{}", "application/json")).toBe(true);
    expect((await store.list("endpoint-url-s3/")).keys).toEqual(["endpoint-url-s3/a.json"]);
  });

  it("gives up on a server that never answers after its request timeout, with a DependencyError", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((listening) => silent.listen(0, "127.0.0.1", listening));
    const { port } = silent.address() as { port: number };
    try {
      stubFunctionEnvironment({ ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: "1" });
      const started = Date.now();
      const failure = await rejection(configuredObjectStore().get("silent/a.json"));
      const elapsed = Date.now() - started;
      expect(failure).toBeInstanceOf(DependencyError);
      expect(failure.message).toMatch(
        /^S3 GetObject silent\/a\.json in bucket '[a-z-]+' failed: no response \((ETIMEDOUT|TimeoutError)\)$/,
      );
      expect(failure.cause).toMatchObject({ name: "TimeoutError" });
      expect(sockets.length).toBe(1);
      // Ended by the request timeout, not by the test's own limit.
      expect(elapsed).toBeGreaterThanOrEqual(AWS_REQUEST_TIMEOUTS.requestTimeout - 100);
      expect(elapsed).toBeLessThan(AWS_REQUEST_TIMEOUTS.requestTimeout + 5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => silent.close(() => closed()));
    }
  });
});
