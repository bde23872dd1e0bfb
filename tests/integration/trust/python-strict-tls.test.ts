/**
 * Real TLS handshakes verified by Python 3.13's default context, which has
 * VERIFY_X509_STRICT on: a Node `tls` server presents each server certificate
 * (leaf + `servers` intermediate) and Python, trusting only the root, checks
 * it and its host name; then Python presents each device certificate (leaf +
 * `devices` intermediate) to a Node server that requires a client certificate
 * and trusts only the root. A control chain made with `openssl` without an
 * Authority Key Identifier shows the strict checks are really on.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import type { KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import {
  algorithmSlug,
  DEVICE_ALGORITHMS,
  presentedChain,
  privateKeyOf,
  SERVER_ALGORITHMS,
  writePemFiles,
} from "../../support/trust/pki.js";
import { PYTHON_VERSION, python313, pythonTlsExchange } from "../../support/trust/python.js";
import { startTlsEchoServer, type TlsEchoServer } from "../../support/trust/tls.js";

const TLS_VERSIONS = ["TLSv1_3", "TLSv1_2"] as const;
const serverName = (algorithm: KeyAlgorithm) => `${algorithmSlug(algorithm)}.broker.test`;
const deviceId = (algorithm: KeyAlgorithm) => `py-device-${algorithmSlug(algorithm)}`;

describe(`Python ${PYTHON_VERSION} ssl.create_default_context() (VERIFY_X509_STRICT) over real TLS`, () => {
  const workspace = temporaryDirectory("iot-certs-python-tls-");
  let pki: TestHierarchy;
  let foreign: TestHierarchy;
  let rootFile: string;
  const serverCertificates = new Map<KeyAlgorithm, IssuedCertificate>();
  const deviceCertificates = new Map<KeyAlgorithm, IssuedCertificate>();
  const serversByAlgorithm = new Map<KeyAlgorithm, TlsEchoServer>();
  let mutualServer: TlsEchoServer;
  const started: TlsEchoServer[] = [];

  beforeAll(async () => {
    python313(); // fails the suite with install instructions when Python 3.13 is missing
    [pki, foreign] = await Promise.all([
      createTestHierarchy({ rootKeyAlgorithm: "EC-P384", intermediateKeyAlgorithm: "RSA-2048" }),
      // Same names as `pki` (root "default", intermediates "servers"/"devices"), other keys.
      createTestHierarchy({ rootKeyAlgorithm: "EC-P256", intermediateKeyAlgorithm: "EC-P256" }),
    ]);
    rootFile = writePemFiles(workspace.path, { "root.pem": pki.root.record.certificate })["root.pem"];
    await Promise.all([
      ...SERVER_ALGORITHMS.map(async (keyAlgorithm) => {
        serverCertificates.set(keyAlgorithm, await pki.issueServer({ fqdn: serverName(keyAlgorithm), keyAlgorithm }));
      }),
      ...DEVICE_ALGORITHMS.map(async (keyAlgorithm) => {
        deviceCertificates.set(keyAlgorithm, await pki.issueDevice({ deviceId: deviceId(keyAlgorithm), keyAlgorithm }));
      }),
    ]);
    for (const keyAlgorithm of SERVER_ALGORITHMS) {
      const certificate = serverCertificates.get(keyAlgorithm) as IssuedCertificate;
      const server = await startTlsEchoServer({ cert: presentedChain(certificate), key: privateKeyOf(certificate) });
      started.push(server);
      serversByAlgorithm.set(keyAlgorithm, server);
    }
    const brokerCertificate = serverCertificates.get("EC-P256") as IssuedCertificate;
    mutualServer = await startTlsEchoServer({
      cert: presentedChain(brokerCertificate),
      key: privateKeyOf(brokerCertificate),
      ca: pki.root.record.certificate,
      requestCert: true,
      rejectUnauthorized: true,
    });
    started.push(mutualServer);
  });

  afterAll(async () => {
    await Promise.all(started.map((server) => server.close()));
    pki?.remove();
    foreign?.remove();
    workspace.remove();
  });

  /** Writes a client's chain and key and returns their paths. */
  function clientFiles(name: string, chain: string, key: string) {
    const files = writePemFiles(workspace.path, { [`${name}.pem`]: chain, [`${name}.key`]: key });
    return { certfile: files[`${name}.pem`] as string, keyfile: files[`${name}.key`] as string };
  }

  describe("the client verifies each server certificate (root as the only cafile, host name checked)", () => {
    it.each(SERVER_ALGORITHMS)("%s server certificate", async (keyAlgorithm) => {
      const server = serversByAlgorithm.get(keyAlgorithm) as TlsEchoServer;
      const result = await pythonTlsExchange({
        port: server.port,
        cafile: rootFile,
        serverHostname: serverName(keyAlgorithm),
      });
      expect(result, JSON.stringify(result)).toMatchObject({
        python: PYTHON_VERSION,
        strictByDefault: true,
        strict: true,
        ok: true,
        version: "TLSv1.3",
        peerCommonName: serverName(keyAlgorithm),
        peerSubjectAltNames: [["DNS", serverName(keyAlgorithm)]],
        reply: "hello anonymous",
      });
    });

    it("refuses a host name the certificate does not name", async () => {
      const server = serversByAlgorithm.get("EC-P256") as TlsEchoServer;
      const result = await pythonTlsExchange({ port: server.port, cafile: rootFile, serverHostname: "other.test" });
      expect(result.ok).toBe(false);
      expect(result.verifyMessage).toMatch(/Hostname mismatch/);
    });

    it("refuses a server that sends its leaf without the intermediate", async () => {
      const certificate = serverCertificates.get("EC-P256") as IssuedCertificate;
      const leafOnly = await startTlsEchoServer({
        cert: certificate.record.certificate,
        key: privateKeyOf(certificate),
      });
      started.push(leafOnly);
      const result = await pythonTlsExchange({
        port: leafOnly.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
      });
      expect(result.ok).toBe(false);
      expect(result.verifyMessage).toMatch(/unable to get local issuer certificate/);
    });

    it("refuses a server whose chain leads to another root", async () => {
      const other = await foreign.issueServer({ fqdn: serverName("EC-P256"), keyAlgorithm: "EC-P256" });
      const server = await startTlsEchoServer({ cert: presentedChain(other), key: privateKeyOf(other) });
      started.push(server);
      const result = await pythonTlsExchange({
        port: server.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
      });
      expect(result.ok).toBe(false);
      expect(result.verifyMessage).toMatch(/unable to get local issuer certificate/);
    });
  });

  // Every device algorithm over both TLS versions. Ed25519 client authentication works in TLS 1.3 and in
  // TLS 1.2 (RFC 8422 signature scheme ed25519) with OpenSSL 3.0 on both sides: no combination is excluded.
  describe("mutual TLS: the Node server requires and verifies each device certificate (ca = root only)", () => {
    const cases = DEVICE_ALGORITHMS.flatMap((keyAlgorithm) =>
      TLS_VERSIONS.map((tlsVersion) => ({ keyAlgorithm, tlsVersion })),
    );

    it.each(cases)("$keyAlgorithm device certificate over $tlsVersion", async ({ keyAlgorithm, tlsVersion }) => {
      const device = deviceCertificates.get(keyAlgorithm) as IssuedCertificate;
      const files = clientFiles(`device-${algorithmSlug(keyAlgorithm)}`, presentedChain(device), privateKeyOf(device));
      const acceptedBefore = mutualServer.accepted.length;
      const result = await pythonTlsExchange({
        port: mutualServer.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
        tlsVersion,
        ...files,
      });
      expect(result, JSON.stringify(result)).toMatchObject({
        strict: true,
        ok: true,
        version: tlsVersion.replace("_", "."),
        reply: `hello ${deviceId(keyAlgorithm)}`,
      });
      expect(mutualServer.accepted.slice(acceptedBefore)).toEqual([
        {
          authorized: true,
          authorizationError: undefined,
          commonName: deviceId(keyAlgorithm),
          protocol: tlsVersion.replace("_", "."),
        },
      ]);
    });

    it("refuses a device certificate from another root", async () => {
      const stranger = await foreign.issueDevice({ deviceId: "stranger", keyAlgorithm: "EC-P256" });
      const refusedBefore = mutualServer.refused.length;
      const acceptedBefore = mutualServer.accepted.length;
      const result = await pythonTlsExchange({
        port: mutualServer.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
        ...clientFiles("stranger", presentedChain(stranger), privateKeyOf(stranger)),
      });
      // Node checks the client chain once the handshake is done and hangs up on failure (no alert).
      expect(result, JSON.stringify(result)).toMatchObject({ ok: false, version: "TLSv1.3" });
      expect(result.reply).toBeUndefined();
      expect(mutualServer.accepted.length).toBe(acceptedBefore);
      await expect.poll(() => mutualServer.refused.length).toBe(refusedBefore + 1);
    });

    it("refuses a device that sends its leaf without the intermediate", async () => {
      const device = deviceCertificates.get("EC-P256") as IssuedCertificate;
      const refusedBefore = mutualServer.refused.length;
      const acceptedBefore = mutualServer.accepted.length;
      const result = await pythonTlsExchange({
        port: mutualServer.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
        ...clientFiles("leaf-only", device.record.certificate, privateKeyOf(device)),
      });
      expect(result, JSON.stringify(result)).toMatchObject({ ok: false, version: "TLSv1.3" });
      expect(result.reply).toBeUndefined();
      expect(mutualServer.accepted.length).toBe(acceptedBefore);
      await expect.poll(() => mutualServer.refused.length).toBe(refusedBefore + 1);
    });

    it("refuses a client that presents no certificate", async () => {
      const result = await pythonTlsExchange({
        port: mutualServer.port,
        cafile: rootFile,
        serverHostname: serverName("EC-P256"),
      });
      expect(result.ok).toBe(false);
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/TLSV13_ALERT_CERTIFICATE_REQUIRED/);
    });
  });

  describe("control: the strict checks are really on", () => {
    it("refuses a chain without Authority Key Identifier that a non-strict context accepts", async () => {
      const control = makeChainWithoutAuthorityKeyIdentifier(workspace.path);
      const server = await startTlsEchoServer({ cert: control.leaf, key: control.key });
      started.push(server);
      const options = { port: server.port, cafile: control.caFile, serverHostname: "control.test" };
      const strict = await pythonTlsExchange(options);
      expect(strict.ok).toBe(false);
      expect(strict.verifyMessage).toBe("Missing Authority Key Identifier");
      const relaxed = await pythonTlsExchange({ ...options, relaxStrict: true });
      expect(relaxed, JSON.stringify(relaxed)).toMatchObject({ strict: false, ok: true });
    });
  });
});

/** A CA and a server leaf made with `openssl`, the leaf deliberately without AKI (RFC 5280 requires one). */
function makeChainWithoutAuthorityKeyIdentifier(directory: string) {
  const path = (name: string) => join(directory, name);
  const openssl = (args: string[]) => {
    const result = spawnSync("openssl", args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${result.stderr}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", path("control-ca.key"), "-out", path("control-ca.pem")]
      .concat(["-subj", "/CN=Control CA", "-days", "2"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
  );
  openssl([
    "req",
    "-new",
    ...ec,
    "-keyout",
    path("control.key"),
    "-out",
    path("control.csr"),
    "-subj",
    "/CN=control.test",
  ]);
  writePemFiles(directory, {
    "control.ext": [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:control.test",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=none",
      "",
    ].join("\n"),
  });
  openssl(
    [
      "x509",
      "-req",
      "-in",
      path("control.csr"),
      "-CA",
      path("control-ca.pem"),
      "-CAkey",
      path("control-ca.key"),
    ].concat([
      "-set_serial",
      "0x5eed5eed5eed5eed",
      "-days",
      "1",
      "-extfile",
      path("control.ext"),
      "-out",
      path("control.pem"),
    ]),
  );
  return {
    caFile: path("control-ca.pem"),
    leaf: readFileSync(path("control.pem"), "utf8"),
    key: readFileSync(path("control.key"), "utf8"),
  };
}
