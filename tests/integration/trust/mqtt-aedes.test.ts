/**
 * An in-process MQTT broker (aedes) behind a Node `tls` server that requires
 * a client certificate chaining to the root; devices connect with `mqtt`
 * over `mqtts://`, trusting only the root and sending leaf + intermediate.
 */
import type { Socket } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { Aedes } from "aedes";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { collectMessages, connectDevice, endAll } from "../../support/trust/mqtt.js";
import { commonNameOf, presentedChain, privateKeyOf } from "../../support/trust/pki.js";

const BROKER_FQDN = "mqtt.iot.test";
const TOPIC_FILTER = "devices/+/telemetry";

describe("MQTT over mutual TLS with aedes", () => {
  let pki: TestHierarchy;
  let foreign: TestHierarchy;
  let publisher: IssuedCertificate;
  let subscriber: IssuedCertificate;
  let broker: Aedes;
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  const clients: MqttClient[] = [];
  /** Client id and certificate CN of every session the broker accepted. */
  const sessions: { clientId: string; commonName: string | undefined }[] = [];
  /** TLS handshakes the server refused. */
  const refusedHandshakes: Error[] = [];

  beforeAll(async () => {
    [pki, foreign] = await Promise.all([
      createTestHierarchy({ rootKeyAlgorithm: "EC-P384", intermediateKeyAlgorithm: "EC-P256" }),
      createTestHierarchy({ rootKeyAlgorithm: "EC-P384", intermediateKeyAlgorithm: "EC-P256" }),
    ]);
    let brokerCertificate: IssuedCertificate;
    [brokerCertificate, publisher, subscriber] = await Promise.all([
      pki.issueServer({
        fqdn: BROKER_FQDN,
        keyAlgorithm: "EC-P256",
        subjectAltNames: [{ type: "ip", value: "127.0.0.1" }],
      }),
      pki.issueDevice({ deviceId: "thermometer-1", keyAlgorithm: "RSA-2048" }),
      pki.issueDevice({ deviceId: "dashboard-1", keyAlgorithm: "Ed25519" }),
    ]);
    broker = await Aedes.createBroker({
      // The TLS layer already refused unverified clients; record who got through.
      authenticate: (client, _username, _password, done) => {
        const socket = client.conn as TLSSocket;
        sessions.push({ clientId: client.id, commonName: commonNameOf(socket.getPeerCertificate().subject) });
        done(null, socket.authorized);
      },
    });
    server = createServer(
      {
        cert: presentedChain(brokerCertificate),
        key: privateKeyOf(brokerCertificate),
        ca: pki.root.record.certificate,
        requestCert: true,
        rejectUnauthorized: true,
      },
      broker.handle,
    );
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    server.on("tlsClientError", (error) => refusedHandshakes.push(error));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });

  afterAll(async () => {
    await endAll(clients);
    for (const socket of sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    pki?.remove();
    foreign?.remove();
  });

  const connectAs = async (device: IssuedCertificate, extra: { servername?: string; chain?: string } = {}) => {
    const client = await connectDevice({ port, root: pki.root.record.certificate, device, ...extra });
    clients.push(client);
    return client;
  };

  it("a device publishes and another device, subscribed, receives the message", async () => {
    const dashboard = await connectAs(subscriber);
    const received = collectMessages(dashboard);
    await dashboard.subscribeAsync(TOPIC_FILTER, { qos: 1 });
    const thermometer = await connectAs(publisher, { servername: BROKER_FQDN });
    await thermometer.publishAsync("devices/thermometer-1/telemetry", "21.5", { qos: 1 });
    await expect.poll(() => received).toEqual([{ topic: "devices/thermometer-1/telemetry", payload: "21.5" }]);
    expect(sessions).toEqual([
      { clientId: "dashboard-1", commonName: "dashboard-1" },
      { clientId: "thermometer-1", commonName: "thermometer-1" },
    ]);
  });

  describe("refused", () => {
    /** Tries to connect; expects the TLS layer to refuse and no session to start. */
    async function expectRefused(device: IssuedCertificate, chain?: string) {
      const sessionsBefore = sessions.length;
      const refusedBefore = refusedHandshakes.length;
      const attempt = connectDevice({ port, root: pki.root.record.certificate, device, chain }).then((client) => {
        clients.push(client);
        return client;
      });
      await expect(attempt).rejects.toThrow();
      await expect.poll(() => refusedHandshakes.length).toBe(refusedBefore + 1);
      expect(sessions.length).toBe(sessionsBefore);
    }

    it("a device from a foreign root: connection error, no session, no message", async () => {
      const dashboard = await connectAs(subscriber);
      const received = collectMessages(dashboard);
      await dashboard.subscribeAsync(TOPIC_FILTER, { qos: 1 });
      const stranger = await foreign.issueDevice({ deviceId: "thermometer-1", keyAlgorithm: "EC-P256" });
      await expectRefused(stranger);
      // A marker from a trusted device arrives; nothing else did.
      const thermometer = await connectAs(publisher);
      await thermometer.publishAsync("devices/thermometer-1/telemetry", "marker", { qos: 1 });
      await expect.poll(() => received.length).toBe(1);
      expect(received).toEqual([{ topic: "devices/thermometer-1/telemetry", payload: "marker" }]);
    });

    it("a device that sends its leaf without the intermediate", async () => {
      await expectRefused(publisher, publisher.record.certificate);
    });

    it("a broker name the certificate does not carry (the device checks it)", async () => {
      const attempt = connectDevice({
        port,
        root: pki.root.record.certificate,
        device: publisher,
        servername: "other.iot.test",
      });
      await expect(attempt).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    });
  });
});
