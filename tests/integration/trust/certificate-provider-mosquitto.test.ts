/**
 * Fleet provisioning by claim, end to end without AWS: the built certificate
 * provider bundle (dist/, what `sam build` deploys) is invoked with the event
 * AWS IoT Core documents, around a CSR a device made with `openssl req -new`,
 * on the local store. The certificate it returns passes
 * `openssl verify -x509_strict -purpose sslclient`, is listed by
 * `GET /certificates/device` (the built list function) and announced in the
 * local event log, and a real Mosquitto 2 broker that trusts the root accepts
 * the device's mutual-TLS connection with it and the key that never left the
 * device.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FileObjectStore } from "../../../src/adapters/file-object-store.js";
import { LocalCertificateImporter } from "../../../src/adapters/local-certificate-importer.js";
import type { CertificateRecord } from "../../../src/core/certificate-repository.js";
import { CertificateRepository } from "../../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import { issueServerCertificate } from "../../../src/core/issuance/issue-server-certificate.js";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import type {
  CertificateProviderEvent,
  CertificateProviderResponse,
} from "../../../src/iot-provider/certificate-provider.js";
import { makeKeyAndCsr } from "../../support/api/openssl-tools.js";
import { opensslVerify } from "../../support/openssl.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import { type MosquittoBroker, startMosquitto } from "../../support/trust/mosquitto.js";
import { connectDevice, endAll } from "../../support/trust/mqtt.js";
import { presentedChain, privateKeyOf } from "../../support/trust/pki.js";

const DIST = resolve(import.meta.dirname, "..", "..", "..", "dist");
const DEVICE_ID = "sensor-claim-7";

type Bundle<H> = { handler: H };

describe("AWS IoT Core certificate provider: a device provisioned by claim connects to Mosquitto", () => {
  const store = temporaryDirectory("iot-certs-provider-");
  const clients: MqttClient[] = [];
  let broker: MosquittoBroker | undefined;
  let root: IssuedCertificate;
  let devices: IssuedCertificate;
  let device: { keyPem: string; csrPem: string };
  let response: CertificateProviderResponse;

  beforeAll(async () => {
    vi.stubEnv("CERTIFICATE_BUCKET_NAME", "");
    vi.stubEnv("LOCAL_STORE_DIR", store.path);
    vi.stubEnv("CERTIFICATE_PROVIDER_ISSUER", "devices");
    vi.spyOn(console, "log").mockImplementation(() => undefined);

    const repository = new CertificateRepository(new FileObjectStore(store.path));
    root = await createRootCertificateAuthority({ name: "default", keyAlgorithm: "RSA-2048" }, repository);
    const [servers, devicesCa] = await Promise.all(
      ["servers", "devices"].map((name) =>
        createIntermediateCertificateAuthority({ name, issuer: "default", keyAlgorithm: "EC-P256" }, repository),
      ),
    );
    devices = devicesCa as IssuedCertificate;
    const brokerCertificate = await issueServerCertificate(
      { fqdn: "mosquitto.iot.test", issuer: "servers", subjectAltNames: [{ type: "ip", value: "127.0.0.1" }] },
      repository,
      new LocalCertificateImporter(new FileObjectStore(store.path)),
    );
    expect(servers).toBeDefined();

    // The device: its key and CSR, made where the key stays.
    device = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: DEVICE_ID });
    // AWS IoT Core invokes the deployed bundle with the documented event.
    const provider = (await import(
      pathToFileURL(join(DIST, "IotCertificateProviderFunction", "certificate-provider.mjs")).href
    )) as Bundle<(event: CertificateProviderEvent, context?: unknown) => Promise<CertificateProviderResponse>>;
    response = await provider.handler(
      { certificateSigningRequest: device.csrPem, principalId: "b".repeat(64), clientId: `claim-${DEVICE_ID}` },
      { awsRequestId: "provider-it-1" },
    );

    broker = await startMosquitto({
      rootPem: root.record.certificate,
      serverFullChainPem: presentedChain(brokerCertificate),
      serverKeyPem: privateKeyOf(brokerCertificate),
    });
  });

  afterAll(async () => {
    await endAll(clients);
    await broker?.stop();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    store.remove();
  });

  it("returns { certificatePem }, which openssl verify -x509_strict -purpose sslclient accepts against the chain", () => {
    expect(Object.keys(response)).toEqual(["certificatePem"]);
    const verified = opensslVerify({
      trusted: root.record.certificate,
      untrusted: devices.record.certificate,
      certificate: response.certificatePem,
      purpose: "sslclient",
    });
    expect(verified.output).toMatch(/: OK/);
    expect(verified.ok).toBe(true);
  });

  it("is in the inventory (GET /certificates/device) and the event log like any other device certificate", async () => {
    const list = (await import(
      pathToFileURL(join(DIST, "ListCertificatesFunction", "list-certificates.mjs")).href
    )) as Bundle<(event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>>;
    const result = await list.handler({
      resource: "/certificates/device",
      path: "/certificates/device",
      httpMethod: "GET",
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {} as APIGatewayProxyEvent["requestContext"],
    });
    expect(result.statusCode).toBe(200);
    const items = JSON.parse(result.body).items as { device_id: string; serial_number: string; issuer: string }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ device_id: DEVICE_ID, issuer: "devices", status: "valid" });

    const events = readFileSync(join(store.path, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const issued = events.filter((event) => JSON.stringify(event).includes(items[0]?.serial_number as string));
    expect(issued.map((event) => event["detail-type"])).toEqual(["Certificate Issued"]);
  });

  it("connects to Mosquitto over mutual TLS as its CN, with the key that never left the device", async () => {
    if (!broker) throw new Error("the broker did not start");
    const provisioned = {
      record: {
        subject_id: DEVICE_ID,
        certificate: response.certificatePem,
        certificate_chain: devices.record.certificate + root.record.certificate,
      } as CertificateRecord,
      privateKeyPem: device.keyPem,
    };
    const client = await connectDevice({ port: broker.port, root: root.record.certificate, device: provisioned });
    clients.push(client);
    await client.publishAsync(`devices/${DEVICE_ID}/telemetry`, "first message after provisioning", { qos: 1 });
    await expect
      .poll(() => broker?.output())
      .toMatch(new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as ${DEVICE_ID} \\(.*u'${DEVICE_ID}'\\)`));
  });
});
