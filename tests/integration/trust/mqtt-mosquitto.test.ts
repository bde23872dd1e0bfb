/**
 * A real Mosquitto 2 broker configured as docs/brokers.md says: the root as
 * `cafile`, leaf + servers intermediate as `certfile`, client certificates
 * required, the certificate's CN as the user name (an ACL lets each device
 * write only under `devices/<its CN>/`). Devices connect with `mqtt` over
 * `mqtts://`, trusting only the root and sending leaf + intermediate.
 */
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { type MosquittoBroker, startMosquitto } from "../../support/trust/mosquitto.js";
import { collectMessages, connectDevice, endAll } from "../../support/trust/mqtt.js";
import { presentedChain, privateKeyOf } from "../../support/trust/pki.js";

const BROKER_FQDN = "mosquitto.iot.test";
const TOPIC_FILTER = "devices/+/telemetry";
/** Everyone reads telemetry; a device writes only under its own CN (`%u` = user name = certificate CN). */
const ACL = ["pattern read devices/#", "pattern write devices/%u/#", ""].join("\n");

describe("MQTT over mutual TLS with Mosquitto", () => {
  let pki: TestHierarchy;
  let foreign: TestHierarchy;
  let broker: MosquittoBroker;
  let thermometer: IssuedCertificate;
  let dashboard: IssuedCertificate;
  let ed25519Sensor: IssuedCertificate;
  const clients: MqttClient[] = [];
  let received: { topic: string; payload: string }[];

  beforeAll(async () => {
    [pki, foreign] = await Promise.all([
      createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P256" }),
      createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P256" }),
    ]);
    let brokerCertificate: IssuedCertificate;
    [brokerCertificate, thermometer, dashboard, ed25519Sensor] = await Promise.all([
      pki.issueServer({
        fqdn: BROKER_FQDN,
        keyAlgorithm: "RSA-2048",
        subjectAltNames: [{ type: "ip", value: "127.0.0.1" }],
      }),
      pki.issueDevice({ deviceId: "thermometer-1", keyAlgorithm: "EC-P256" }),
      pki.issueDevice({ deviceId: "dashboard-1", keyAlgorithm: "RSA-2048" }),
      pki.issueDevice({ deviceId: "sensor-ed25519", keyAlgorithm: "Ed25519" }),
    ]);
    broker = await startMosquitto({
      rootPem: pki.root.record.certificate,
      serverFullChainPem: presentedChain(brokerCertificate),
      serverKeyPem: privateKeyOf(brokerCertificate),
      acl: ACL,
    });
    const subscriber = await connectAs(dashboard);
    received = collectMessages(subscriber);
    await subscriber.subscribeAsync(TOPIC_FILTER, { qos: 1 });
  });

  afterAll(async () => {
    await endAll(clients);
    await broker?.stop();
    pki?.remove();
    foreign?.remove();
  });

  async function connectAs(device: IssuedCertificate, extra: { servername?: string; protocolVersion?: 4 | 5 } = {}) {
    const client = await connectDevice({ port: broker.port, root: pki.root.record.certificate, device, ...extra });
    clients.push(client);
    return client;
  }

  /** Publishes a marker from `client` and waits for it: everything published before it has been delivered or dropped. */
  async function flush(client: MqttClient, cn: string) {
    const marker = `marker-${received.length}-${Date.now()}`;
    await client.publishAsync(`devices/${cn}/telemetry`, marker, { qos: 1 });
    await expect.poll(() => received.some((message) => message.payload === marker)).toBe(true);
  }

  it("runs with the documented configuration", () => {
    for (const line of [
      "require_certificate true",
      "use_identity_as_username true",
      "allow_anonymous false",
      "persistence false",
    ]) {
      expect(broker.config).toContain(`${line}\n`);
    }
    expect(broker.config).toMatch(/^listener \d+ 127\.0\.0\.1$/m);
    expect(broker.config).toMatch(/^cafile .+\/root\.pem$/m);
    expect(broker.config).toMatch(/^certfile .+\/server-fullchain\.pem$/m);
    expect(broker.config).toMatch(/^keyfile .+\/server\.key$/m);
  });

  it("a device publishes (verifying the broker by name) and a subscribed device receives it", async () => {
    const before = received.length;
    const client = await connectAs(thermometer, { servername: BROKER_FQDN });
    await client.publishAsync("devices/thermometer-1/telemetry", "21.5", { qos: 1 });
    await expect
      .poll(() => received.slice(before))
      .toEqual([{ topic: "devices/thermometer-1/telemetry", payload: "21.5" }]);
    // Mosquitto took the user name from the certificate's CN.
    expect(broker.output()).toMatch(
      /New client connected from 127\.0\.0\.1:\d+ as thermometer-1 \(.*u'thermometer-1'\)/,
    );
    expect(broker.output()).toMatch(/New client connected from 127\.0\.0\.1:\d+ as dashboard-1 \(.*u'dashboard-1'\)/);
  });

  it("an Ed25519 device certificate works with Mosquitto too (MQTT 5)", async () => {
    const before = received.length;
    const client = await connectAs(ed25519Sensor, { protocolVersion: 5 });
    await client.publishAsync("devices/sensor-ed25519/telemetry", "ok", { qos: 1 });
    await expect
      .poll(() => received.slice(before))
      .toEqual([{ topic: "devices/sensor-ed25519/telemetry", payload: "ok" }]);
  });

  it("the CN is the identity: a device cannot write under another device's topic", async () => {
    const client = await connectAs(thermometer, { protocolVersion: 5 });
    const before = received.length;
    // MQTT 5: the broker answers PUBACK "Not authorized" (0x87).
    await expect(client.publishAsync("devices/dashboard-1/telemetry", "spoofed", { qos: 1 })).rejects.toThrow(
      /Not authorized/i,
    );
    await flush(client, "thermometer-1");
    expect(received.slice(before).map((message) => message.payload)).not.toContain("spoofed");
  });

  describe("refused", () => {
    it("a device from a foreign root (same names, other keys): connection error, no message", async () => {
      const stranger = await foreign.issueDevice({ deviceId: "thermometer-1", keyAlgorithm: "EC-P256" });
      const before = received.length;
      const attempt = connectDevice({ port: broker.port, root: pki.root.record.certificate, device: stranger });
      await expect(attempt).rejects.toThrow();
      await expect.poll(() => broker.output()).toMatch(/certificate verify failed/);
      await flush(await connectAs(thermometer), "thermometer-1");
      expect(received.slice(before)).toHaveLength(1);
    });

    it("a device that sends its leaf without the intermediate", async () => {
      const attempt = connectDevice({
        port: broker.port,
        root: pki.root.record.certificate,
        device: thermometer,
        chain: thermometer.record.certificate,
      });
      await expect(attempt).rejects.toThrow();
    });

    it("a broker name the certificate does not carry (the device checks it)", async () => {
      const attempt = connectDevice({
        port: broker.port,
        root: pki.root.record.certificate,
        device: thermometer,
        servername: "other.iot.test",
      });
      await expect(attempt).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    });

    it("a broker whose root the device does not trust", async () => {
      const attempt = connectDevice({ port: broker.port, root: foreign.root.record.certificate, device: thermometer });
      await expect(attempt).rejects.toMatchObject({ code: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" });
    });
  });
});
