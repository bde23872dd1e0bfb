/**
 * The CLI as a CI script uses it: three commands provision a Mosquitto broker
 * and 100 devices; the broker runs on the mosquitto.conf the CLI wrote and the
 * devices connect with mutual TLS and publish. Then the failure paths: exit
 * codes and messages a script can rely on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { connect, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../support/free-port.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslVerify } from "../../support/openssl.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import { mosquittoBinary } from "../../support/trust/mosquitto.js";

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

/** A Mosquitto broker started the way the CLI's output says: `mosquitto -c mosquitto.conf` in the bundle directory. */
async function startBrokerFromBundle(
  directory: string,
  port: number,
): Promise<{ output(): string; stop(): Promise<void> }> {
  // Started as root, Mosquitto switches to the user `mosquitto`, which cannot read the 0600 key (README says so too).
  if (process.getuid?.() === 0) appendFileSync(join(directory, "mosquitto.conf"), "user root\n");
  const child: ChildProcess = spawn(mosquittoBinary(), ["-c", "mosquitto.conf"], {
    cwd: directory,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connectTcp({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  const deadline = Date.now() + 15_000;
  while (!(await accepts())) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not listen on ${port} within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { output: () => output, stop };
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

  it("runs as package.json's bin by itself: the built file is executable with a node shebang", async () => {
    // `npx iot-certs` runs the bin file directly; a cached npx entry does not chmod it again after a rebuild.
    const bin = join(process.cwd(), "dist/cli/iot-certs.mjs");
    expect(statSync(bin).mode & 0o755).toBe(0o755);
    const help = await new Promise<CliResult>((resolve) => {
      const child = spawn(bin, ["--help"], { cwd: work.path, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", (error) => resolve({ code: null, stdout, stderr: String(error) }));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(help.stderr).toBe("");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: iot-certs <command>");
  });

  it("provisions a Mosquitto broker and 100 devices with three commands, and the devices connect", async () => {
    const init = await cli(["init", "--organization", "Acme", "--key-algorithm", "EC-P256"]);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout.split("\n")).toEqual([
      "created  root/default  EC-P256",
      "created  intermediate/servers  EC-P256",
      "created  intermediate/devices  EC-P256",
      "",
    ]);

    const mqttPort = await freePort();
    const server = await cli([
      "server",
      "--fqdn",
      "localhost",
      "--san",
      "127.0.0.1",
      "--mqtt-port",
      String(mqttPort),
      "--out",
      "broker",
    ]);
    expect(server.code).toBe(0);
    expect(server.stdout).toContain("broker: cd broker && mosquitto -c mosquitto.conf");
    expect(readdirSync(join(work.path, "broker")).sort()).toEqual([
      "ca.crt",
      "mosquitto.conf",
      "server.crt",
      "server.key",
    ]);
    const config = readFileSync(join(work.path, "broker", "mosquitto.conf"), "utf8");
    const directives = config.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(directives).toEqual([
      `listener ${mqttPort}`,
      "cafile ca.crt",
      "certfile server.crt",
      "keyfile server.key",
      "require_certificate true",
      "use_identity_as_username true",
      "allow_anonymous false",
    ]);
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
    const broker = await startBrokerFromBundle(join(work.path, "broker"), mqttPort);
    const clients: MqttClient[] = [];
    try {
      const connectDevice = (id: string) =>
        new Promise<MqttClient>((resolve, reject) => {
          const client = connect(`mqtts://127.0.0.1:${mqttPort}`, {
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
      // require_certificate: a client without a device certificate is refused in the TLS handshake.
      const anonymous = connect(`mqtts://127.0.0.1:${mqttPort}`, {
        ca: read("fleet", "ca.crt"),
        servername: "localhost",
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      });
      const refusal = await new Promise<Error | undefined>((resolve) => {
        anonymous.once("error", resolve);
        anonymous.once("connect", () => resolve(undefined));
      });
      anonymous.end(true);
      expect(refusal?.message).toMatch(/certificate|handshake|socket hang up|ECONNRESET/i);

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
      // use_identity_as_username: the device id (the certificate's CN) is the MQTT user name.
      expect(broker.output()).toContain(`u'${subscriberId}'`);
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

    const table = await cli(["list", "device", "--status", "revoked"]);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    expect(header?.split("\t")).toEqual(["ID", "NAME", "ISSUER", "NOT_AFTER", "KEY_ALGORITHM", "STATUS"]);
    expect(rows).toHaveLength(1);
    const [id, name, issuer, notAfter, keyAlgorithm, status] = rows[0]?.split("\t") ?? [];
    expect({ id, issuer, keyAlgorithm, status }).toEqual({
      id: target,
      issuer: "devices",
      keyAlgorithm: "EC-P256",
      status: "revoked",
    });
    expect(deviceIdOf(items, target)).toBe(name);
    expect(Number.isNaN(Date.parse(notAfter ?? ""))).toBe(false);

    const empty = await cli(["list", "server", "--issuer", "nobody"]);
    expect(empty.stdout).toBe("ID\tNAME\tISSUER\tNOT_AFTER\tKEY_ALGORITHM\tSTATUS\n");
  });

  it("init reports each CA it reused with its key algorithm, warns when it differs from the asked one, and --strict fails", async () => {
    // The first test made the hierarchy with EC-P256 keys.
    const again = await cli(["init", "--key-algorithm", "RSA-3072", "--devices", "fleet-b"]);
    expect(again.code).toBe(0);
    expect(again.stdout.split("\n")).toEqual([
      "reused   root/default  EC-P256  (asked RSA-3072)",
      "reused   intermediate/servers  EC-P256  (asked RSA-3072)",
      "created  intermediate/fleet-b  RSA-3072",
      "",
    ]);
    expect(again.stderr).toContain(
      "iot-certs: warning: root/default exists with key algorithm EC-P256, not RSA-3072 as asked; it was reused as it is",
    );
    expect(again.stderr).toContain("warning: intermediate/servers exists with key algorithm EC-P256");

    const same = await cli(["init", "--key-algorithm", "EC-P256", "--json"]);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe("");
    expect(JSON.parse(same.stdout)).toMatchObject({
      result: { "root/default": "reused", "intermediate/servers": "reused", "intermediate/devices": "reused" },
      cas: [
        { ca: "root/default", outcome: "reused", key_algorithm: "EC-P256" },
        { ca: "intermediate/servers", outcome: "reused", key_algorithm: "EC-P256" },
        { ca: "intermediate/devices", outcome: "reused", key_algorithm: "EC-P256" },
      ],
      warnings: [],
    });

    const strict = await cli(["init", "--key-algorithm", "RSA-2048", "--devices", "fleet-c", "--strict"]);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toContain(
      "root/default exists with key algorithm EC-P256, not RSA-2048 as asked; stopped (--strict)",
    );
    // It stopped at the root: the new intermediate was not created under a root of the wrong kind.
    expect((await api.get("/certificates/intermediate/fleet-c")).status).toBe(404);
  });

  it("refuses `device` without --count or --device-id (exit 2) and issues nothing", async () => {
    const before = (await api.get("/certificates/device?limit=1000")).body.items.length;
    const result = await cli(["device", "--out", "nowhere"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("device needs --count N (N devices with random ids) or --device-id ID");
    expect(existsSync(join(work.path, "nowhere"))).toBe(false);
    expect((await api.get("/certificates/device?limit=1000")).body.items.length).toBe(before);
  });

  it("finds the local server at $PORT, and names IOT_CERTS_API, --api and PORT when nothing answers", async () => {
    const port = new URL(api.baseUrl).port;
    const viaPort = await runCli(["list", "root", "--json"], work.path, { IOT_CERTS_API: "", PORT: port });
    expect(viaPort.code).toBe(0);
    expect(JSON.parse(viaPort.stdout).items.map((item: { id: string }) => item.id)).toEqual(["default"]);

    const closed = String(await freePort());
    const viaClosedPort = await runCli(["list", "root"], work.path, { IOT_CERTS_API: "", PORT: closed });
    expect(viaClosedPort.code).toBe(1);
    expect(viaClosedPort.stderr).toContain(`cannot reach the API at http://127.0.0.1:${closed}`);
    expect(viaClosedPort.stderr).toContain(`http://127.0.0.1:${closed} is the local server's address for PORT`);
    for (const name of ["--api URL", "IOT_CERTS_API=URL", "PORT"]) expect(viaClosedPort.stderr).toContain(name);

    const viaApi = await runCli(["list", "root", "--api", `http://127.0.0.1:${closed}`], work.path, {
      IOT_CERTS_API: api.baseUrl,
    });
    expect(viaApi.code).toBe(1);
    expect(viaApi.stderr).toContain(`http://127.0.0.1:${closed} is from --api`);
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
    expect(down.stderr).toContain(`http://127.0.0.1:${port} is from IOT_CERTS_API`);
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

  it("registers a CA with AWS IoT Core and devices with it, each on its own thing (the local stand-in)", async () => {
    expect((await cli(["init"])).code).toBe(0);
    expect((await api.post("/certificates/intermediate", { name: "iot-fleet" })).status).toBe(201);

    // Before the CA is registered, a device that asks for IoT is refused and nothing is written.
    const early = await cli(["device", "--iot", "--device-id", "early-1", "--issuer", "iot-fleet", "--out", "iot-out"]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("POST /certificates/intermediate/iot-fleet/iot-registration");
    expect(existsSync(join(work.path, "iot-out", "early-1"))).toBe(false);

    const registered = await cli(["iot", "register-ca", "iot-fleet", "--mode", "DEFAULT", "--jitp", "--json"]);
    expect(registered.code).toBe(0);
    const registration = JSON.parse(registered.stdout);
    expect(registration).toMatchObject({ mode: "DEFAULT", status: "ACTIVE", ca_certificate_id: expect.any(String) });
    expect(registration.verification_certificate).toContain("BEGIN CERTIFICATE");
    const again = await cli(["iot", "register-ca", "iot-fleet"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(registration.ca_certificate_id);

    const one = await cli([
      "device",
      "--iot",
      "--device-id",
      "sensor-iot-1",
      "--issuer",
      "iot-fleet",
      "--policy",
      "fleet-policy",
      "--out",
      "iot-out",
      "--json",
    ]);
    expect(one.code).toBe(0);
    const [device] = JSON.parse(one.stdout).devices;
    expect(device.iot).toMatchObject({ registered: true, thing_name: "sensor-iot-1", policy_name: "fleet-policy" });
    expect(existsSync(join(api.storeDirectory, "iot", "certificates", `${device.iot.iot_certificate_id}.json`))).toBe(
      true,
    );

    const fleet = await cli([
      "device",
      "--iot",
      "--count",
      "3",
      "--issuer",
      "iot-fleet",
      "--out",
      "iot-fleet",
      "--json",
    ]);
    expect(fleet.code).toBe(0);
    const devices = JSON.parse(fleet.stdout).devices as { device_id: string; iot: any }[];
    expect(devices).toHaveLength(3);
    for (const item of devices) expect(item.iot).toMatchObject({ registered: true, thing_name: item.device_id });
    expect(new Set(devices.map((item) => item.iot.iot_certificate_id)).size).toBe(3);

    const usage = await cli(["device", "--iot", "--count", "2", "--thing", "one", "--out", "iot-fleet"]);
    expect(usage.code).toBe(2);
  });
});

/** The device id of the listed item with this serial. */
function deviceIdOf(items: { id: string; device_id?: string }[], serial: string): string | undefined {
  return items.find((item) => item.id === serial)?.device_id;
}
