/**
 * KMS-backed CAs end to end: the local server (dist bundles) in the S3
 * configuration with S3, ACM and KMS all on moto_server. KMS-backed roots and
 * intermediates sign server and device certificates and CRLs through
 * `kms:Sign`; openssl (-x509_strict, crl -verify), Python 3.13's strict TLS
 * context and Mosquitto accept them; the bucket holds no private key of a KMS
 * CA; mixed hierarchies (KMS over S3 and S3 over KMS) work.
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { opensslVerify } from "../../support/openssl.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import { type MosquittoBroker, startMosquitto } from "../../support/trust/mosquitto.js";
import { connectDevice, endAll } from "../../support/trust/mqtt.js";
import { presentedChain, privateKeyOf } from "../../support/trust/pki.js";
import { pythonTlsExchange } from "../../support/trust/python.js";
import { startTlsEchoServer, type TlsEchoServer } from "../../support/trust/tls.js";
import { readAll } from "./aws-support.js";

const BUCKET = "certificates-kms-it";
const STACK = "iot-certs-kms-it";
const BROKER = "broker.kms.test";

let moto: MotoServer;
let api: LocalApi;
let kms: KMSClient;
const workspace = temporaryDirectory("iot-certs-kms-it-");
const clients: MqttClient[] = [];
let broker: MosquittoBroker | undefined;
let tlsServer: TlsEchoServer | undefined;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  api = await startLocalApi({ CERTIFICATE_BUCKET_NAME: BUCKET, ENDPOINT_URL: "", STACK_NAME: STACK, ...moto.env });
  kms = new KMSClient({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
});

afterAll(async () => {
  await endAll(clients);
  await broker?.stop();
  await tlsServer?.close();
  kms?.destroy();
  await api?.stop();
  await moto?.stop();
  workspace.remove();
});

/** A leaf as the tests' TLS helpers take it, from an API response. */
function issued(body: any): IssuedCertificate {
  return {
    record: { ...body, subject_id: body.fqdn ?? body.device_id, certificate_chain: body.certificate_chain },
    privateKeyPem: body.private_key,
  } as IssuedCertificate;
}

async function created(path: string, body: Record<string, unknown>): Promise<any> {
  const response = await api.post(path, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

function file(name: string, content: string): string {
  const path = join(workspace.path, name);
  writeFileSync(path, content);
  return path;
}

describe("KMS-backed CAs through the local server on moto_server (S3, ACM, KMS)", () => {
  let root: any;
  let servers: any;
  let devices: any;
  let server: any;
  let device: any;

  beforeAll(async () => {
    root = await created("/certificates/root", { name: "kms-root", key_storage: "kms", key_algorithm: "RSA-2048" });
    [servers, devices] = await Promise.all([
      created("/certificates/intermediate", {
        name: "kms-servers",
        issuer: "kms-root",
        key_storage: "kms",
        key_algorithm: "EC-P256",
      }),
      created("/certificates/intermediate", {
        name: "kms-devices",
        issuer: "kms-root",
        key_storage: "kms",
        key_algorithm: "EC-P384",
      }),
    ]);
    [server, device] = await Promise.all([
      created("/certificates/server", {
        fqdn: BROKER,
        issuer: "kms-servers",
        key_algorithm: "EC-P256",
        subject_alt_names: ["127.0.0.1"],
      }),
      created("/certificates/device", { device_id: "kms-sensor-1", issuer: "kms-devices", key_algorithm: "EC-P256" }),
    ]);
  });

  it("creates each CA key in KMS, tagged and aliased, and names it in the CA's record and GET", async () => {
    for (const [ca, kind] of [
      [root, "root"],
      [servers, "intermediate"],
      [devices, "intermediate"],
    ] as const) {
      expect(ca).toMatchObject({ key_storage: "kms", kms_key_arn: expect.stringMatching(/^arn:aws:kms:us-east-1:/) });
      const details = await api.get(`/certificates/${kind}/${ca.name}`);
      expect(details.body).toMatchObject({ key_storage: "kms", kms_key_arn: ca.kms_key_arn });
      const key = await kms.send(new DescribeKeyCommand({ KeyId: ca.kms_key_arn }));
      expect(key.KeyMetadata).toMatchObject({ KeyUsage: "SIGN_VERIFY", KeyState: "Enabled" });
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId: ca.kms_key_arn }));
      expect(Object.fromEntries((tags.Tags ?? []).map((tag) => [tag.TagKey, tag.TagValue]))).toEqual({
        "iot-certificates:stack": STACK,
        "iot-certificates:ca-kind": kind,
        "iot-certificates:ca-name": ca.name,
      });
    }
    const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
    const ours = Object.fromEntries(
      aliases
        .filter((alias) => alias.AliasName?.startsWith(`alias/${STACK}/`))
        .map((a) => [a.AliasName, a.TargetKeyId]),
    );
    expect(ours).toEqual({
      [`alias/${STACK}/root/kms-root`]: root.kms_key_arn.split("/").at(-1),
      [`alias/${STACK}/intermediate/kms-servers`]: servers.kms_key_arn.split("/").at(-1),
      [`alias/${STACK}/intermediate/kms-devices`]: devices.kms_key_arn.split("/").at(-1),
    });
  });

  it("openssl verify -x509_strict accepts every chain", () => {
    for (const [leaf, purpose] of [
      [server, "sslserver"],
      [device, "sslclient"],
    ] as const) {
      const result = opensslVerify({
        trusted: root.certificate,
        untrusted: leaf.certificate_chain,
        certificate: leaf.certificate,
        purpose,
      });
      expect(result.output).toContain("OK");
      expect(result.ok).toBe(true);
    }
    expect(opensslVerify({ trusted: root.certificate, certificate: root.certificate }).ok).toBe(true);
  });

  it("a revocation re-signs the KMS intermediate's CRL, which openssl crl -verify accepts and which lists the device", async () => {
    const revoked = await api.post(`/certificates/device/${device.serial_number}/revoke`, { reason: "keyCompromise" });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    const crl = await api.get("/crl/intermediate/kms-devices?format=pem");
    expect(crl.status).toBe(200);
    const result = spawnSync(
      "openssl",
      [
        "crl",
        "-in",
        file("devices.crl.pem", crl.body),
        "-CAfile",
        file("devices.pem", devices.certificate),
        "-noout",
        "-text",
      ],
      { encoding: "utf8" },
    );
    expect(result.stderr).toContain("verify OK");
    expect(result.stdout.toUpperCase()).toContain(`SERIAL NUMBER: ${device.serial_number.toUpperCase()}`);
    const rootCrl = await api.get("/crl/root/kms-root?format=pem");
    const rootResult = spawnSync(
      "openssl",
      ["crl", "-in", file("root.crl.pem", rootCrl.body), "-CAfile", file("root.pem", root.certificate), "-noout"],
      { encoding: "utf8" },
    );
    expect(rootResult.stderr).toContain("verify OK");
  });

  it("Python 3.13's strict context accepts the KMS-signed server chain", async () => {
    tlsServer = await startTlsEchoServer({ cert: presentedChain(issued(server)), key: privateKeyOf(issued(server)) });
    const result = await pythonTlsExchange({
      port: tlsServer.port,
      cafile: file("python-root.pem", root.certificate),
      serverHostname: BROKER,
    });
    expect(result).toMatchObject({ strict: true, ok: true, peerCommonName: BROKER });
  });

  it("Mosquitto accepts a device of a KMS intermediate over mutual TLS", async () => {
    broker = await startMosquitto({
      rootPem: root.certificate,
      serverFullChainPem: presentedChain(issued(server)),
      serverKeyPem: privateKeyOf(issued(server)),
    });
    const fresh = await created("/certificates/device", { device_id: "kms-sensor-2", issuer: "kms-devices" });
    const client = await connectDevice({ port: broker.port, root: root.certificate, device: issued(fresh) });
    clients.push(client);
    expect(client.connected).toBe(true);
  });

  it("mixed hierarchies: an S3 intermediate under a KMS root, a KMS intermediate under an S3 root", async () => {
    const s3Intermediate = await created("/certificates/intermediate", {
      name: "s3-under-kms",
      issuer: "kms-root",
      key_storage: "s3",
      key_algorithm: "EC-P256",
    });
    const s3Root = await created("/certificates/root", {
      name: "s3-root",
      key_storage: "s3",
      key_algorithm: "EC-P256",
    });
    const kmsIntermediate = await created("/certificates/intermediate", {
      name: "kms-under-s3",
      issuer: "s3-root",
      key_storage: "kms",
      key_algorithm: "RSA-2048",
    });
    expect(s3Intermediate).toMatchObject({ key_storage: "s3" });
    expect(s3Intermediate.kms_key_arn).toBeUndefined();
    expect(kmsIntermediate).toMatchObject({ key_storage: "kms" });
    for (const [trusted, issuer] of [
      [root, s3Intermediate],
      [s3Root, kmsIntermediate],
    ]) {
      const leaf = await created("/certificates/device", { issuer: issuer.name, key_algorithm: "EC-P256" });
      const result = opensslVerify({
        trusted: trusted.certificate,
        untrusted: leaf.certificate_chain,
        certificate: leaf.certificate,
        purpose: "sslclient",
      });
      expect(result.output).toContain("OK");
      expect(result.ok).toBe(true);
    }
  });

  it("iot-certs init --key-storage kms creates a KMS hierarchy and reports each CA's storage", async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(process.cwd(), "dist/cli/iot-certs.mjs"), ...args], {
          env: { ...process.env, IOT_CERTS_API: api.baseUrl },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const names = ["--root", "cli-root", "--servers", "cli-servers", "--devices", "cli-devices"];
    const first = await cli(["init", ...names, "--key-algorithm", "EC-P256", "--key-storage", "kms", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const { cas } = JSON.parse(first.stdout);
    expect(cas).toHaveLength(3);
    for (const ca of cas) {
      expect(ca).toMatchObject({ outcome: "created", key_algorithm: "EC-P256", key_storage: "kms" });
      expect(ca.kms_key_arn).toMatch(/^arn:aws:kms:/);
    }
    const again = await cli(["init", ...names, "--key-storage", "s3"]);
    expect(again.code).toBe(0);
    expect(again.stdout.split("\n")).toEqual([
      "reused   root/cli-root  EC-P256  kms  (asked s3)",
      "reused   intermediate/cli-servers  EC-P256  kms  (asked s3)",
      "reused   intermediate/cli-devices  EC-P256  kms  (asked s3)",
      "",
    ]);
    expect(again.stderr).toContain("root/cli-root exists with key storage kms, not s3 as asked");
  });

  it("the bucket holds no private key of a KMS CA: every PRIVATE KEY in it is a leaf's or an S3 CA's", async () => {
    const objects = await readAll(moto.s3, BUCKET);
    const withKeys = Object.entries(objects)
      .filter(([, body]) => body.includes("PRIVATE KEY"))
      .map(([key]) => key);
    expect(withKeys.length).toBeGreaterThan(0);
    for (const key of withKeys) {
      expect(key).toMatch(
        /^(server_certificates|device_certificates)\/|^(intermediate_ca\/s3-under-kms|root_ca\/s3-root)\//,
      );
    }
    for (const name of [
      "root_ca/kms-root/",
      "intermediate_ca/kms-servers/",
      "intermediate_ca/kms-devices/",
      "intermediate_ca/kms-under-s3/",
    ]) {
      const keys = Object.keys(objects).filter((key) => key.startsWith(name));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => key.endsWith("private_key.pem"))).toEqual([]);
      expect(keys.filter((key) => objects[key]?.includes("PRIVATE KEY"))).toEqual([]);
    }
    // Nor an idempotency record or a log line.
    expect(api.output()).not.toContain("PRIVATE KEY");
  });
});
