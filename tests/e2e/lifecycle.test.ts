/**
 * The certificate lifecycle against the local server over HTTP, as users
 * drive it: renewal (answers, refusals that write nothing, Idempotency-Key),
 * the events appended to events.jsonl, `?expires_within_days`, the CLI's
 * `renew`, `events [--follow]` and `expiry-scan`, and the expiry scan the
 * server runs when it starts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../support/local-api.js";
import { opensslVerify, splitPemChain } from "../support/openssl.js";
import { temporaryDirectory } from "../support/temporary-directory.js";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], cwd: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(process.cwd(), "dist/cli/iot-certs.mjs"), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function runCli(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = startCli(args, cwd, env);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file of the store with its content, to compare before and after a refused request. */
function storeFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.name === ".tmp") continue;
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return files;
}

function events(store: string): any[] {
  const file = join(store, "events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

let api: LocalApi;
const work = temporaryDirectory("iot-certs-lifecycle-");
let cliEnv: Record<string, string>;

beforeAll(async () => {
  // No start-up scan here: the store must change only by the requests below (the last test runs one).
  api = await startLocalApi({ LOCAL_SCHEDULES: "off" });
  cliEnv = { IOT_CERTS_API: api.baseUrl, LOCAL_STORE_DIR: api.storeDirectory };
  const subject = { organization: "Acme IoT", key_algorithm: "EC-P256" };
  expect((await api.post("/certificates/root", subject)).status).toBe(201);
  for (const name of ["servers", "devices"]) {
    expect((await api.post("/certificates/intermediate", { ...subject, name })).status).toBe(201);
  }
});

afterAll(async () => {
  await api?.stop();
  work.remove();
});

describe("renewal over HTTP", () => {
  it("renews a server certificate: 201, linked both ways, same ACM ARN, and events appended", async () => {
    const server = await api.post("/certificates/server", {
      fqdn: "broker.lifecycle.test",
      issuer: "servers",
      subject_alt_names: ["127.0.0.1"],
      key_algorithm: "EC-P256",
      validity_days: 60,
    });
    const old = server.body.serial_number;
    const renewed = await api.post(`/certificates/server/${old}/renew`, {});
    expect(renewed.status).toBe(201);
    expect(renewed.body).toMatchObject({
      kind: "server",
      fqdn: "broker.lifecycle.test",
      renews: old,
      key: "new",
      acm_import: "reimported",
      acm_certificate_arn: server.body.acm_certificate_arn,
      issuer: "servers",
      key_algorithm: "EC-P256",
      previous: { serial_number: old, renewed_by: renewed.body.serial_number, status: "valid" },
      private_key: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/),
    });
    expect(renewed.body.message).toContain("same certificate ARN");
    const root = (await api.get("/certificates/root/default", { accept: "application/x-pem-file" })).body;
    const verified = opensslVerify({
      trusted: root,
      untrusted: renewed.body.certificate_chain,
      certificate: renewed.body.certificate,
      purpose: "sslserver",
    });
    expect(verified.ok, verified.output).toBe(true);

    expect((await api.get(`/certificates/server/${old}`)).body).toMatchObject({
      renewed_by: renewed.body.serial_number,
    });
    const current = (await api.get(`/certificates/server/${renewed.body.serial_number}`)).body;
    expect(current).toMatchObject({ renews: old, status: "valid" });
    expect(current.renewed_by).toBeUndefined();

    const appended = events(api.storeDirectory).filter((event) =>
      [old, renewed.body.serial_number].includes(event.detail.serial_number),
    );
    expect(appended.map((event) => event["detail-type"])).toEqual(["Certificate Issued", "Certificate Renewed"]);
    expect(appended[1]).toMatchObject({
      source: "iot-certificates",
      resources: [server.body.acm_certificate_arn],
      detail: { renews: old, acm_reimported: true, fqdn: "broker.lifecycle.test" },
    });
  });

  it("answers 404 (unknown), 409 (revoked, already renewed) and 400 (bad body) as problem+json, writing nothing", async () => {
    const device = (await api.post("/certificates/device", { issuer: "devices", key_algorithm: "EC-P256" })).body;
    await api.post(`/certificates/device/${device.serial_number}/revoke`, { reason: "keyCompromise" });
    const before = storeFiles(api.storeDirectory);

    const unknown = await api.post("/certificates/device/0123456789abcdef0123456789abcdef/renew", {});
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    expect(unknown.body.field).toBe("serial_number");
    const revoked = await api.post(`/certificates/device/${device.serial_number}/renew`, {});
    expect(revoked.status).toBe(409);
    expect(revoked.body.detail).toContain("revoked");
    const badField = await api.post(`/certificates/device/${device.serial_number}/renew`, { fqdn: "x.example" });
    expect(badField.status).toBe(400);
    expect(badField.body.detail).toContain("unknown field(s): fqdn");
    const bundleOfOldKey = await api.post(`/certificates/device/${device.serial_number}/renew`, {
      reuse_key: true,
      format: "pkcs12",
      pkcs12_password: "changeit",
    });
    expect(bundleOfOldKey.status).toBe(400);
    expect(bundleOfOldKey.body.field).toBe("format");
    const badSerial = await api.post("/certificates/device/not-a-serial/renew", {});
    expect(badSerial.status).toBe(400);
    expect(storeFiles(api.storeDirectory)).toEqual(before);

    const fresh = (await api.post("/certificates/device", { issuer: "devices", key_algorithm: "EC-P256" })).body;
    const first = await api.post(`/certificates/device/${fresh.serial_number}/renew`, {});
    const afterFirst = storeFiles(api.storeDirectory);
    const second = await api.post(`/certificates/device/${fresh.serial_number}/renew`, {});
    expect(second.status).toBe(409);
    expect(second.body.detail).toContain(`already renewed by ${first.body.serial_number}`);
    expect(storeFiles(api.storeDirectory)).toEqual(afterFirst);
  });

  it("replays a renewal retried with the same Idempotency-Key, and revokes the previous certificate when asked", async () => {
    const device = (await api.post("/certificates/device", { issuer: "devices", device_id: "meter-9" })).body;
    const headers = { "Idempotency-Key": `renew-${device.serial_number}` };
    const body = { revoke_previous: true, validity_days: 30 };
    const first = await api.post(`/certificates/device/${device.serial_number}/renew`, body, headers);
    const retried = await api.post(`/certificates/device/${device.serial_number}/renew`, body, headers);
    expect(first.status).toBe(201);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(retried.body.serial_number).toBe(first.body.serial_number);
    expect(first.body.previous).toMatchObject({
      status: "revoked",
      revocation_reason: "superseded",
      crl_path: "/crl/intermediate/devices",
    });
    expect((await api.get(`/certificates/device/${device.serial_number}`)).body).toMatchObject({
      status: "revoked",
      revocation_reason: "superseded",
      renewed_by: first.body.serial_number,
    });
    const renewedEvents = events(api.storeDirectory).filter(
      (event) => event["detail-type"] === "Certificate Renewed" && event.detail.renews === device.serial_number,
    );
    expect(renewedEvents).toHaveLength(1);
  });

  it("lists what expires within N days and still needs attention", async () => {
    const soon = (await api.post("/certificates/device", { issuer: "devices", device_id: "soon-7", validity_days: 6 }))
      .body;
    await api.post("/certificates/device", { issuer: "devices", device_id: "later-7", validity_days: 90 });
    const listed = await api.get("/certificates/device?expires_within_days=7");
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: any) => item.serial_number)).toEqual([soon.serial_number]);
    expect((await api.get("/certificates/device?expires_within_days=0")).status).toBe(400);
  });
});

describe("iot-certs renew, events and expiry-scan", () => {
  it("writes the renewed files beside the old ones, and over them only with --force", async () => {
    const issued = await runCli(
      ["device", "--device-id", "cam-1", "--key-algorithm", "EC-P256", "--out", "fleet"],
      work.path,
      cliEnv,
    );
    expect(issued.code).toBe(0);
    const folder = join(work.path, "fleet", "cam-1");
    const oldCertificate = readFileSync(join(folder, "client.crt"), "utf8");
    const oldKey = readFileSync(join(folder, "client.key"), "utf8");
    const serial = (await api.get("/certificates/device?issuer=devices&limit=1000")).body.items.find(
      (item: any) => item.device_id === "cam-1",
    ).serial_number;

    const renewed = await runCli(["renew", serial, "--out", "fleet", "--json"], work.path, cliEnv);
    expect(renewed.stderr).toBe("");
    expect(renewed.code).toBe(0);
    const result = JSON.parse(renewed.stdout);
    expect(result).toMatchObject({ kind: "device", renews: serial, key: "new" });
    expect(result.files).toEqual({
      certificate: join("fleet", "cam-1", `client.${result.serial_number}.crt`),
      key: join("fleet", "cam-1", `client.${result.serial_number}.key`),
    });
    expect(readFileSync(join(folder, "client.crt"), "utf8")).toBe(oldCertificate);
    expect(readFileSync(join(folder, "client.key"), "utf8")).toBe(oldKey);
    expect(statSync(join(work.path, result.files.key)).mode & 0o777).toBe(0o600);
    const [leaf, intermediate] = splitPemChain(readFileSync(join(work.path, result.files.certificate), "utf8"));
    expect(leaf).toBeDefined();
    const verified = opensslVerify({
      trusted: readFileSync(join(work.path, "fleet", "ca.crt"), "utf8"),
      untrusted: intermediate,
      certificate: leaf as string,
      purpose: "sslclient",
    });
    expect(verified.ok, verified.output).toBe(true);

    const forced = await runCli(
      ["renew", "device", result.serial_number, "--out", "fleet", "--force"],
      work.path,
      cliEnv,
    );
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`renewed device ${result.serial_number} → `);
    expect(readFileSync(join(folder, "client.crt"), "utf8")).not.toBe(oldCertificate);
    expect(readFileSync(join(folder, "client.key"), "utf8")).not.toBe(oldKey);

    const unknown = await runCli(["renew", "0123456789abcdef0123456789abcdef", "--out", "fleet"], work.path, cliEnv);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no server or device certificate");
    expect((await runCli(["renew", "--out", "fleet"], work.path, cliEnv)).code).toBe(2);
  });

  it("prints the store's events, and follows new ones as they are appended", async () => {
    const printed = await runCli(["events"], work.path, cliEnv);
    expect(printed.code).toBe(0);
    const lines = printed.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(events(api.storeDirectory).length);
    expect(lines[0]).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z {2}Certificate Issued {4}root default [0-9a-f]{32}$/,
    );

    const follower = startCli(["events", "--follow", "--json"], work.path, cliEnv);
    let output = "";
    follower.stdout?.on("data", (chunk) => (output += chunk));
    try {
      await expect.poll(() => output.split("\n").length - 1, { timeout: 10_000 }).toBe(lines.length);
      const issued = (await api.post("/certificates/device", { issuer: "devices", device_id: "followed-1" })).body;
      await expect
        .poll(() => output.trimEnd().split("\n").at(-1) ?? "", { timeout: 10_000 })
        .toContain(issued.serial_number);
      const last = JSON.parse(output.trimEnd().split("\n").at(-1) as string);
      expect(last).toMatchObject({ "detail-type": "Certificate Issued", detail: { device_id: "followed-1" } });
    } finally {
      const exited = new Promise((resolve) => follower.once("close", resolve));
      follower.kill("SIGINT");
      expect(await exited).toBe(0);
    }
  });

  it("runs the expiry scan on demand, and the server runs it when it starts", async () => {
    const scanned = await runCli(["expiry-scan", "--json"], work.path, cliEnv);
    expect(scanned.stderr).toBe("");
    expect(scanned.code).toBe(0);
    const summary = JSON.parse(scanned.stdout);
    // soon-7 (6 days left: 7-day warning); the certificates of 30 days renewed above (30-day warning).
    expect(summary).toMatchObject({ complete: true, warnedByThreshold: { "1": 0, "7": 1 } });
    expect(summary.warned).toBeGreaterThanOrEqual(2);
    const expiring = events(api.storeDirectory).filter((event) => event["detail-type"] === "Certificate Expiring");
    expect(expiring).toHaveLength(summary.warned);
    expect(expiring.find((event) => event.detail.device_id === "soon-7")?.detail).toMatchObject({
      threshold_days: 7,
      days_remaining: 5,
    });
    const again = await runCli(["expiry-scan"], work.path, cliEnv);
    expect(again.stdout).toContain("0 warnings sent");

    // A server started on this store runs the scan at once: one new certificate inside a window, one warning.
    await api.post("/certificates/device", { issuer: "devices", device_id: "start-scan", validity_days: 2 });
    const second = await startLocalApi({ LOCAL_STORE_DIR: api.storeDirectory });
    try {
      await expect.poll(() => second.output(), { timeout: 20_000 }).toContain('"message":"expiry scan finished"');
      expect(second.output()).toMatch(/"warned":1\b/);
      const started = events(api.storeDirectory).filter(
        (event) => event["detail-type"] === "Certificate Expiring" && event.detail.device_id === "start-scan",
      );
      expect(started.map((event) => event.detail.threshold_days)).toEqual([7]);
    } finally {
      await second.stop();
    }
  });
});
