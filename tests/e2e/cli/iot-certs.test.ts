/**
 * The CLI as a CI script uses it: three commands provision a Mosquitto broker
 * and 100 devices; the devices connect with mutual TLS and publish. Then the
 * failure paths: exit codes and messages a script can rely on.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { connect, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../support/free-port.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslVerify } from "../../support/openssl.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import { startMosquitto } from "../../support/trust/mosquitto.js";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), "dist/cli/iot-certs.mjs"), ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("iot-certs CLI", () => {
  let api: LocalApi;
  const work = temporaryDirectory("iot-certs-cli-");
  let cli: (args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    api = await startLocalApi();
    cli = (args) => runCli(args, work.path, { IOT_CERTS_API: api.baseUrl });
  });
  afterAll(async () => {
    await api.stop();
    work.remove();
  });

  it("provisions a Mosquitto broker and 100 devices with three commands, and the devices connect", async () => {
    const init = await cli(["init", "--organization", "Acme", "--key-algorithm", "EC-P256"]);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created  intermediate/devices");

    const server = await cli(["server", "--fqdn", "localhost", "--san", "127.0.0.1", "--out", "broker"]);
    expect(server.code).toBe(0);
    const fleet = await cli(["device", "--count", "100", "--key-algorithm", "EC-P256", "--out", "fleet"]);
    expect(fleet.code).toBe(0);
    expect(fleet.stdout).toContain("issued 100 device certificates");

    const deviceIds = readdirSync(join(work.path, "fleet")).filter((name) => name !== "ca.crt");
    expect(deviceIds).toHaveLength(100);
    for (const id of deviceIds) {
      expect(statSync(join(work.path, "fleet", id, "client.key")).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(work.path, "broker", "server.key")).mode & 0o777).toBe(0o600);

    const read = (...path: string[]) => readFileSync(join(work.path, ...path), "utf8");
    const broker = await startMosquitto({
      rootPem: read("broker", "ca.crt"),
      serverFullChainPem: read("broker", "server.crt"),
      serverKeyPem: read("broker", "server.key"),
    });
    const clients: MqttClient[] = [];
    try {
      const connectDevice = (id: string) =>
        new Promise<MqttClient>((resolve, reject) => {
          const client = connect(`mqtts://127.0.0.1:${broker.port}`, {
            clientId: id,
            ca: read("fleet", "ca.crt"),
            cert: read("fleet", id, "client.crt"),
            key: read("fleet", id, "client.key"),
            servername: "localhost",
            rejectUnauthorized: true,
            reconnectPeriod: 0,
            connectTimeout: 10_000,
          });
          client.once("connect", () => resolve(client));
          client.once("error", reject);
        });
      const [subscriberId, ...publisherIds] = deviceIds as [string, ...string[]];
      const subscriber = await connectDevice(subscriberId);
      clients.push(subscriber);
      const received = new Set<string>();
      subscriber.on("message", (_topic, payload) => received.add(payload.toString()));
      await subscriber.subscribeAsync("fleet/#", { qos: 1 });
      for (let index = 0; index < publisherIds.length; index += 10) {
        const batch = await Promise.all(publisherIds.slice(index, index + 10).map(connectDevice));
        clients.push(...batch);
        await Promise.all(
          batch.map((client, offset) =>
            client.publishAsync(`fleet/${publisherIds[index + offset]}`, `hello from ${publisherIds[index + offset]}`, {
              qos: 1,
            }),
          ),
        );
      }
      const deadline = Date.now() + 10_000;
      while (received.size < publisherIds.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received.size).toBe(99);
    } finally {
      await Promise.all(clients.map((client) => client.endAsync()));
      await broker.stop();
    }
  });

  it("writes a trust bundle and lists, revokes and reports in JSON", async () => {
    const bundle = await cli(["bundle", "--out", "trust.pem"]);
    expect(bundle.code).toBe(0);
    const root = readFileSync(join(work.path, "trust.pem"), "utf8");
    expect(opensslVerify({ trusted: root, certificate: root }).ok).toBe(true);

    const listed = await cli(["list", "device", "--all", "--json"]);
    expect(listed.code).toBe(0);
    const items = JSON.parse(listed.stdout).items as { id: string; status: string }[];
    expect(items.length).toBeGreaterThanOrEqual(100);

    const target = items[0]?.id as string;
    const revoked = await cli(["revoke", "device", target, "--reason", "keyCompromise", "--json"]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ serial_number: target, status: "revoked" });
    const again = await cli(["revoke", "device", target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 Conflict: certificate .* was already revoked/);

    const revokedOnly = await cli(["list", "device", "--status", "revoked", "--json"]);
    expect(JSON.parse(revokedOnly.stdout).items.map((item: { id: string }) => item.id)).toEqual([target]);
  });

  it("never overwrites files without --force (exit 3), and --force does", async () => {
    const first = await cli([
      "server",
      "--fqdn",
      "mqtt.dev.example.com",
      "--key-algorithm",
      "EC-P256",
      "--out",
      "keep",
    ]);
    expect(first.code).toBe(0);
    const before = readFileSync(join(work.path, "keep", "server.key"), "utf8");
    const second = await cli([
      "server",
      "--fqdn",
      "mqtt.dev.example.com",
      "--key-algorithm",
      "EC-P256",
      "--out",
      "keep",
    ]);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain("refusing to overwrite");
    expect(readFileSync(join(work.path, "keep", "server.key"), "utf8")).toBe(before);
    const forced = await cli([
      "server",
      "--fqdn",
      "mqtt.dev.example.com",
      "--key-algorithm",
      "EC-P256",
      "--out",
      "keep",
      "--force",
    ]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(work.path, "keep", "server.key"), "utf8")).not.toBe(before);
  });

  it("fails with the API's error and exit 1, and with usage help and exit 2", async () => {
    const badIssuer = await cli(["device", "--device-id", "x1", "--issuer", "nope", "--out", "bad"]);
    expect(badIssuer.code).toBe(1);
    expect(badIssuer.stderr).toContain("no intermediate CA named 'nope' exists");

    const badInput = await cli(["server", "--fqdn", "../etc", "--out", "bad2"]);
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toContain("400 Invalid request: fqdn must be a host name");

    const jsonError = await cli(["revoke", "root", "default", "--json"]);
    expect(jsonError.code).toBe(1);
    expect(JSON.parse(jsonError.stdout).error).toMatchObject({ status: 400 });

    const usage = await cli(["server", "--out", "x"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("server needs --fqdn");
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);

    const port = await freePort();
    const down = await runCli(["list", "root"], work.path, { IOT_CERTS_API: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the API at http://127.0.0.1:${port}`);
  });

  it("signs a device CSR without ever seeing the key", async () => {
    const csrPath = join(work.path, "sensor.csr");
    const keyPath = join(work.path, "sensor.key");
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        "openssl",
        [
          "req",
          "-new",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          keyPath,
          "-subj",
          "/CN=sensor-csr-1",
          "-out",
          csrPath,
        ],
        { stdio: "ignore" },
      );
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`openssl req exited ${code}`))));
    });
    const issued = await cli(["device", "--device-id", "sensor-csr-1", "--csr", "sensor.csr", "--out", "csr-out"]);
    expect(issued.code).toBe(0);
    expect(readdirSync(join(work.path, "csr-out", "sensor-csr-1"))).toEqual(["client.crt"]);
  });
});
