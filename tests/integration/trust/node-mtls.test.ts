/**
 * Mutual TLS between Node peers, each trusting only the root: the server
 * presents a certificate from the `servers` intermediate, the client one from
 * the `devices` intermediate, and each sends its leaf with its intermediate.
 * The negatives must fail, for the right reason: an "observer" server with the
 * same trust but `rejectUnauthorized: false` reports OpenSSL's verdict on the
 * client chains the real server refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { presentedChain, privateKeyOf } from "../../support/trust/pki.js";
import { startTlsEchoServer, type TlsEchoServer, tlsExchange } from "../../support/trust/tls.js";

const FQDN = "broker.iot.test";

describe("Node tls: mutual authentication with one root", () => {
  let pki: TestHierarchy;
  /** A second PKI with the same names (root "default", intermediates "servers"/"devices") but its own keys. */
  let foreign: TestHierarchy;
  let server: IssuedCertificate;
  let device: IssuedCertificate;
  let ed25519Device: IssuedCertificate;
  let strict: TlsEchoServer;
  let observer: TlsEchoServer;
  const started: TlsEchoServer[] = [];

  const start = async (options: Parameters<typeof startTlsEchoServer>[0]) => {
    const handle = await startTlsEchoServer(options);
    started.push(handle);
    return handle;
  };

  beforeAll(async () => {
    [pki, foreign] = await Promise.all([
      createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P384" }),
      createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P384" }),
    ]);
    [server, device, ed25519Device] = await Promise.all([
      pki.issueServer({ fqdn: FQDN, keyAlgorithm: "EC-P256", subjectAltNames: [{ type: "ip", value: "127.0.0.1" }] }),
      pki.issueDevice({ deviceId: "sensor-0001", keyAlgorithm: "RSA-2048" }),
      pki.issueDevice({ deviceId: "sensor-0002", keyAlgorithm: "Ed25519" }),
    ]);
    const serverOptions = {
      cert: presentedChain(server),
      key: privateKeyOf(server),
      ca: pki.root.record.certificate,
      requestCert: true,
    };
    strict = await start({ ...serverOptions, rejectUnauthorized: true });
    observer = await start({ ...serverOptions, rejectUnauthorized: false });
  });

  afterAll(async () => {
    await Promise.all(started.map((handle) => handle.close()));
    pki?.remove();
    foreign?.remove();
  });

  const deviceOptions = (leaf: IssuedCertificate, chain = presentedChain(leaf)) => ({
    ca: pki.root.record.certificate,
    cert: chain,
    key: privateKeyOf(leaf),
    servername: FQDN,
  });

  it("the two share only the root: neither trust store holds an intermediate", () => {
    expect(pki.root.record.certificate_chain).toBe(pki.root.record.certificate);
    expect(presentedChain(server)).not.toContain(pki.root.record.certificate.trim());
    expect(presentedChain(device)).not.toContain(pki.root.record.certificate.trim());
  });

  it.each([
    ["RSA-2048", () => device],
    ["Ed25519", () => ed25519Device],
  ] as const)("handshake succeeds both ways (%s device)", async (_algorithm, leaf) => {
    const before = strict.accepted.length;
    const result = await tlsExchange(strict.port, deviceOptions(leaf()));
    expect(result).toMatchObject({
      ok: true,
      authorized: true,
      serverCommonName: FQDN,
      protocol: "TLSv1.3",
      reply: `hello ${leaf().record.subject_id}`,
    });
    expect(strict.accepted.slice(before)).toEqual([
      { authorized: true, authorizationError: undefined, commonName: leaf().record.subject_id, protocol: "TLSv1.3" },
    ]);
  });

  it("the client verifies the server's IP address SAN when it connects by address", async () => {
    const { servername: _, ...byAddress } = deviceOptions(device);
    const result = await tlsExchange(strict.port, byAddress);
    expect(result).toMatchObject({ ok: true, authorized: true, reply: "hello sensor-0001" });
  });

  describe("must fail", () => {
    /** Connects with `options` to the strict server (refused) and to the observer (which reports why). */
    async function refusedClient(options: ReturnType<typeof deviceOptions>) {
      const before = strict.accepted.length;
      const refused = await tlsExchange(strict.port, options);
      expect(refused.ok).toBe(false);
      expect(strict.accepted.length).toBe(before);
      const observed = await tlsExchange(observer.port, options);
      expect(observed.ok).toBe(true);
      return observer.accepted.at(-1);
    }

    it("a device certificate from a different root (same names, other keys)", async () => {
      const stranger = await foreign.issueDevice({ deviceId: "sensor-0001", keyAlgorithm: "EC-P256" });
      expect(stranger.record.certificate_chain).not.toBe(device.record.certificate_chain);
      const verdict = await refusedClient(deviceOptions(stranger));
      expect(verdict).toMatchObject({ authorized: false, authorizationError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" });
    });

    it("a device leaf sent without its intermediate", async () => {
      const verdict = await refusedClient(deviceOptions(device, device.record.certificate));
      expect(verdict).toMatchObject({ authorized: false, authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    });

    it("a server certificate used as a client certificate (no clientAuth EKU)", async () => {
      const verdict = await refusedClient(deviceOptions(server));
      expect(verdict).toMatchObject({ authorized: false, authorizationError: "INVALID_PURPOSE" });
    });

    it("a server leaf sent without its intermediate", async () => {
      const leafOnly = await start({ cert: server.record.certificate, key: privateKeyOf(server) });
      const result = await tlsExchange(leafOnly.port, deviceOptions(device));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    });

    it("a server name the certificate does not carry", async () => {
      const result = await tlsExchange(strict.port, { ...deviceOptions(device), servername: "other.iot.test" });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(!result.ok && result.error.message).toContain("other.iot.test");
    });

    it("a server whose chain leads to a root the client does not trust", async () => {
      const result = await tlsExchange(strict.port, { ...deviceOptions(device), ca: foreign.root.record.certificate });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    });

    it("a device certificate used as a server certificate (no serverAuth EKU)", async () => {
      const impostor = await pki.issueDevice({
        deviceId: "impostor",
        keyAlgorithm: "EC-P256",
        subjectAltNames: [{ type: "dns", value: FQDN }],
      });
      const handle = await start({ cert: presentedChain(impostor), key: privateKeyOf(impostor) });
      const result = await tlsExchange(handle.port, deviceOptions(device));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error.code).toBe("INVALID_PURPOSE");
    });
  });
});
