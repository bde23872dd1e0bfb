/**
 * Renewed certificates are trusted the way users check them: chains pass
 * `openssl verify -x509_strict` (a renewal of a renewal too); with
 * revoke_previous, `openssl verify -crl_check` refuses the old certificate
 * and accepts the new one; and a Mosquitto broker restarted with its renewed
 * certificate accepts the same devices (and their renewed certificates).
 */
import type { TLSSocket } from "node:tls";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { renewCertificate } from "../../../src/core/lifecycle/renew-certificate.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { opensslVerify } from "../../support/openssl.js";
import { startMosquitto } from "../../support/trust/mosquitto.js";
import { connectDevice, endAll } from "../../support/trust/mqtt.js";
import { intermediateOf, presentedChain, privateKeyOf } from "../../support/trust/pki.js";
import { RecordingImporter } from "../../unit/core/issuance/memory-hierarchy.js";

let pki: TestHierarchy;
const importer = new RecordingImporter();

beforeAll(async () => {
  pki = await createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P256" });
});

afterAll(() => pki?.remove());

async function renew(
  issued: IssuedCertificate,
  options: { revokePrevious?: boolean } = {},
): Promise<Awaited<ReturnType<typeof renewCertificate>>> {
  return renewCertificate(
    { kind: issued.record.kind as "server" | "device", serialNumber: issued.record.serial_number, ...options },
    pki.repository,
    importer,
  );
}

function verify(leaf: IssuedCertificate, purpose: "sslserver" | "sslclient", crlPem?: string) {
  return opensslVerify({
    trusted: pki.root.record.certificate + (crlPem ?? ""),
    untrusted: intermediateOf(leaf),
    certificate: leaf.record.certificate,
    purpose,
    extraArgs: crlPem ? ["-crl_check"] : [],
  });
}

describe("renewed certificates are trusted like the first ones", () => {
  it("verify with openssl -x509_strict: server and device renewals, and a renewal of a renewal", async () => {
    const server = await pki.issueServer({ fqdn: "broker.renew.test", keyAlgorithm: "RSA-2048" });
    const device = await pki.issueDevice({ deviceId: "sensor-r1", keyAlgorithm: "Ed25519" });
    const server2 = await renew(server);
    const server3 = await renew(server2);
    const device2 = await renew(device);
    for (const leaf of [server2, server3]) {
      const result = verify(leaf, "sslserver");
      expect(result.ok, result.output).toBe(true);
    }
    const result = verify(device2, "sslclient");
    expect(result.ok, result.output).toBe(true);
    expect(server3.record.renews).toBe(server2.record.serial_number);
    expect(server2.record.renews).toBe(server.record.serial_number);
  });

  it("with revoke_previous, openssl -crl_check refuses the old certificate and accepts the new one", async () => {
    const device = await pki.issueDevice({ deviceId: "sensor-r2", keyAlgorithm: "EC-P256" });
    expect(verify(device, "sslclient").ok).toBe(true);
    const renewed = await renew(device, { revokePrevious: true });
    const crl = renewed.previousRevocation?.crlPem as string;
    expect(crl).toMatch(/-----BEGIN X509 CRL-----/);
    const old = verify(device, "sslclient", crl);
    expect(old.ok).toBe(false);
    expect(old.output).toMatch(/certificate revoked/);
    const fresh = verify(renewed, "sslclient", crl);
    expect(fresh.ok, fresh.output).toBe(true);
  });
});

describe("a Mosquitto broker restarted with its renewed certificate", () => {
  const clients: MqttClient[] = [];
  afterAll(async () => endAll(clients));

  it("accepts the same devices, and their renewed certificates", async () => {
    const brokerCertificate = await pki.issueServer({
      fqdn: "mosquitto.renew.test",
      keyAlgorithm: "RSA-2048",
      subjectAltNames: [{ type: "ip", value: "127.0.0.1" }],
    });
    const devices = await Promise.all([
      pki.issueDevice({ deviceId: "thermo-r1", keyAlgorithm: "EC-P256" }),
      pki.issueDevice({ deviceId: "thermo-r2", keyAlgorithm: "RSA-2048" }),
    ]);
    const root = pki.root.record.certificate;
    const connectAll = async (port: number, leaves: IssuedCertificate[]) => {
      const connected = await Promise.all(leaves.map((device) => connectDevice({ port, root, device })));
      clients.push(...connected);
      return connected;
    };
    const servedSerial = (client: MqttClient) =>
      (client.stream as TLSSocket).getPeerCertificate().serialNumber.toLowerCase();

    let broker = await startMosquitto({
      rootPem: root,
      serverFullChainPem: presentedChain(brokerCertificate),
      serverKeyPem: privateKeyOf(brokerCertificate),
    });
    try {
      const before = await connectAll(broker.port, devices);
      expect(before.map(servedSerial)).toEqual([
        brokerCertificate.record.serial_number,
        brokerCertificate.record.serial_number,
      ]);
      await endAll(before);
    } finally {
      await broker.stop();
    }

    const renewed = await renew(brokerCertificate, { revokePrevious: true });
    expect(renewed.privateKeyPem).not.toBe(brokerCertificate.privateKeyPem);
    broker = await startMosquitto({
      rootPem: root,
      serverFullChainPem: presentedChain(renewed),
      serverKeyPem: privateKeyOf(renewed),
    });
    try {
      const after = await connectAll(broker.port, devices);
      expect(after.map(servedSerial)).toEqual([renewed.record.serial_number, renewed.record.serial_number]);
      const renewedDevices = await Promise.all(devices.map((device) => renew(device)));
      const again = await connectAll(broker.port, renewedDevices);
      expect(again).toHaveLength(2);
      await endAll([...after, ...again]);
    } finally {
      await broker.stop();
    }
  });
});
