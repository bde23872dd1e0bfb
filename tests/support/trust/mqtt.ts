/**
 * MQTT over TLS as a device does it: `mqtts://127.0.0.1:<port>`, the root as
 * the only trust anchor, the device's leaf + intermediate as its certificate.
 */
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import { presentedChain, privateKeyOf } from "./pki.js";

export interface DeviceConnection {
  port: number;
  /** PEM of the root the device trusts (its `cafile`). */
  root: string;
  device: IssuedCertificate;
  /** The certificate chain the device sends; its leaf + intermediate by default. */
  chain?: string;
  /** The name the broker's certificate must carry; the IP address 127.0.0.1 (IP SAN) when absent. */
  servername?: string;
  /** MQTT 3.1.1 (4, the default: what aedes and most devices speak) or MQTT 5. */
  protocolVersion?: 4 | 5;
}

/**
 * Connects and resolves once the broker accepted the session (CONNACK), or
 * rejects with the first error or close: no retries, so a refused
 * certificate fails fast.
 */
export function connectDevice(options: DeviceConnection, timeoutMs = 10_000): Promise<MqttClient> {
  const clientOptions: IClientOptions = {
    protocolVersion: options.protocolVersion ?? 4,
    clientId: options.device.record.subject_id,
    ca: options.root,
    cert: options.chain ?? presentedChain(options.device),
    key: privateKeyOf(options.device),
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    ...(options.servername ? { servername: options.servername } : {}),
  };
  const client = connect(`mqtts://127.0.0.1:${options.port}`, clientOptions);
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup();
      client.end(true);
      reject(error);
    };
    const onConnect = () => {
      cleanup();
      resolve(client);
    };
    const onError = (error: Error) => fail(error);
    const onClose = () => fail(new Error("the broker closed the connection before accepting the session"));
    const cleanup = () => {
      client.off("connect", onConnect);
      client.off("error", onError);
      client.off("close", onClose);
    };
    client.on("connect", onConnect);
    client.on("error", onError);
    client.on("close", onClose);
  });
}

/** A received message. */
export interface ReceivedMessage {
  topic: string;
  payload: string;
}

/** Collects every message `client` receives, in order. */
export function collectMessages(client: MqttClient): ReceivedMessage[] {
  const received: ReceivedMessage[] = [];
  client.on("message", (topic, payload) => received.push({ topic, payload: payload.toString("utf8") }));
  return received;
}

/** Ends clients that are still open (for afterAll/afterEach). */
export async function endAll(clients: MqttClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.endAsync(true).catch(() => undefined)));
}
