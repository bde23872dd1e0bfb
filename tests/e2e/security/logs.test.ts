/**
 * Logs carry no key material. A whole hierarchy (root, intermediates, server
 * and device certificates) is issued through the local server with logging
 * fully on (`LOG_LEVEL=DEBUG`), error paths are exercised (409, 400 with a
 * private key in the body, 404, 401, and a 503 from S3 that stopped
 * answering: moto_server is stopped once the server has started on its
 * bucket), and then all server output is searched for PEM
 * private keys and for the base64 of every private key the run produced or
 * stored: none may appear. The logs must also be structured: JSON lines with
 * level, timestamp, message, and the request id on every request line.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { type LaunchedServer, launchLocalServer } from "../../support/security/launch.js";
import { filesUnder, pemBase64 } from "../../support/security/material.js";

const TOKEN = "b7e1d3c5a9f24e6b8d0c2a4e6f8b0d2c-log-test-token";
const EC = { key_algorithm: "EC-P256" };

interface LogLine {
  level: string;
  timestamp: string;
  message: string;
  requestId?: string;
  [field: string]: unknown;
}

function jsonLines(output: string): LogLine[] {
  return output
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Asserts that no private key, armoured or as base64 (whole or any 64-character line of it), is in `output`. */
function expectNoKeyMaterial(output: string, privateKeys: string[]): void {
  expect(output).not.toContain("PRIVATE KEY");
  for (const key of privateKeys) {
    const base64 = pemBase64(key);
    expect(base64.length).toBeGreaterThan(100);
    expect(output).not.toContain(base64);
    for (const line of key.split("\n").filter((part) => /^[A-Za-z0-9+/=]{40,}$/.test(part))) {
      expect(output).not.toContain(line);
    }
    // Also as JSON would escape it, and base64url.
    expect(output).not.toContain(base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
  }
}

describe("logs never contain key material", () => {
  let moto: MotoServer;
  let api: LaunchedServer;
  let brokenApi: LaunchedServer;
  const privateKeys: string[] = [];

  beforeAll(async () => {
    moto = await startMotoServer();
    await moto.createBucket("bucket-for-logs");
    [api, brokenApi] = await Promise.all([
      launchLocalServer({ LOG_LEVEL: "DEBUG", LOCAL_API_TOKEN: TOKEN }),
      launchLocalServer({ LOG_LEVEL: "DEBUG", CERTIFICATE_BUCKET_NAME: "bucket-for-logs", ...moto.env }),
    ]);
    // S3 stops answering after the server checked its bucket at start-up: every storage call fails (503).
    await moto.stop();
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), brokenApi?.stop()]);
  });

  it("issues a hierarchy and walks the error paths with logging fully on, printing no key", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
      api.request("POST", path, { body, headers });

    expect((await post("/certificates/root", { ...EC, name: "default", organization: "Log Test" })).status).toBe(201);
    for (const name of ["servers", "devices"]) {
      expect((await post("/certificates/intermediate", { ...EC, name })).status).toBe(201);
    }
    const server = await post("/certificates/server", { ...EC, fqdn: "broker.logs.test", issuer: "servers" });
    expect(server.status).toBe(201);
    const device = await post("/certificates/device", { ...EC, device_id: "sensor-logs-1", issuer: "devices" });
    expect(device.status).toBe(201);
    const rsaDevice = await post("/certificates/device", { key_algorithm: "RSA-2048", issuer: "devices" });
    expect(rsaDevice.status).toBe(201);
    for (const issued of [server, device, rsaDevice]) {
      expect(issued.body.private_key).toContain("PRIVATE KEY");
      privateKeys.push(issued.body.private_key);
    }

    // 409: the name is taken.
    expect((await post("/certificates/root", { ...EC, name: "default" })).status).toBe(409);
    // 400: a private key smuggled into a request body (unknown field, bad value, malformed JSON).
    expect(
      (await post("/certificates/device", { issuer: "devices", private_key: device.body.private_key })).status,
    ).toBe(400);
    expect((await post("/certificates/device", { issuer: "devices", device_id: server.body.private_key })).status).toBe(
      400,
    );
    expect(
      (await post("/certificates/device", `{"issuer": "devices", ${JSON.stringify(device.body.private_key)}`)).status,
    ).toBe(400);
    // 404: unknown issuer.
    expect((await post("/certificates/device", { ...EC, issuer: "nobody" })).status).toBe(404);
    // 401: a private key sent as the bearer token.
    const stranger = await post(
      "/certificates/root",
      { ...EC },
      { authorization: `Bearer ${pemBase64(device.body.private_key)}` },
    );
    expect(stranger.status).toBe(401);

    // 503: the storage dependency fails.
    const unavailable = await brokenApi.request("POST", "/certificates/root", { body: { ...EC, name: "broken" } });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(unavailable.text).not.toMatch(/\n\s+at /);

    // The CA keys in the store must not be in the logs either.
    for (const file of filesUnder(api.storeDirectory).filter((path) => path.endsWith("private_key.pem"))) {
      privateKeys.push(readFileSync(join(api.storeDirectory, file), "utf8"));
    }
    expect(privateKeys.length).toBeGreaterThanOrEqual(3 + 3 + 3);

    // Every line of these requests is written (access-log lines follow the response by a moment).
    await api.waitForOutput((text) => /"status":401/.test(text));
    await brokenApi.waitForOutput((text) => /"status":503/.test(text));
    const output = `${api.output()}\n${brokenApi.output()}`;
    expectNoKeyMaterial(output, privateKeys);
    expect(output).not.toContain(TOKEN);
  });

  it("writes JSON lines with level, timestamp and message; request lines and errors carry the request id", async () => {
    // Access-log lines are written when a response finishes: wait for the last of each server.
    await api.waitForOutput((output) => /"status":401/.test(output));
    await brokenApi.waitForOutput((output) => /"status":503/.test(output));
    const lines = [...jsonLines(api.output()), ...jsonLines(brokenApi.output())];
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(line.level).toMatch(/^(DEBUG|INFO|WARN|ERROR)$/);
      expect(Number.isNaN(Date.parse(line.timestamp))).toBe(false);
      expect(line.message).toEqual(expect.any(String));
    }
    const requests = lines.filter((line) => line.message === "request");
    expect(requests.map((line) => line.status)).toEqual(expect.arrayContaining([201, 409, 400, 404, 401, 503]));
    for (const line of requests) expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const failure = lines.find((line) => line.level === "ERROR" && line.message === "dependency failed");
    expect(failure, brokenApi.output()).toBeDefined();
    expect(failure?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The error line and the request line of the 503 share the request id.
    const failedRequest = requests.find((line) => line.status === 503);
    expect(failedRequest?.requestId).toBe(failure?.requestId);
  });

  it("reports S3 that does not answer as 503, not as a missing CA", async () => {
    const lookup = await brokenApi.request("GET", "/certificates/root/default");
    expect(lookup.status).toBe(503);
    expect(lookup.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
