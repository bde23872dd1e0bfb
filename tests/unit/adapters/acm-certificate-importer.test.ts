/**
 * AcmCertificateImporter against a recording HTTP server: the exact
 * ImportCertificate request (headers and JSON body as the SDK sends them),
 * the ARN it returns, and errors that name ACM's error type but never carry
 * the private key. moto_server proves the protocol in
 * tests/integration/storage/acm-certificate-importer.test.ts.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmCertificateImporter, AcmRequestError } from "../../../src/adapters/acm-certificate-importer.js";
import { DependencyError } from "../../../src/core/errors.js";
import { type RecordingServer, startRecordingServer } from "../../support/recording-http-server.js";
import { everythingSaid, rejection } from "../../support/rejections.js";

const ENV = { AWS_REGION: "eu-north-1", AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" };
const ARN = "arn:aws:acm:eu-north-1:123456789012:certificate/0b4e4e4e-1111-2222-3333-444455556666";
const KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
const REQUEST = {
  certificatePem: "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----\n",
  privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`,
  certificateChainPem:
    "-----BEGIN CERTIFICATE-----\nMIIBintermediate\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n",
  tags: { "iot-certificates:serial-number": "0a1b", "iot-certificates:fqdn": "broker.example.test" },
};

let server: RecordingServer;
let importer: AcmCertificateImporter;

beforeAll(async () => {
  server = await startRecordingServer();
  importer = new AcmCertificateImporter({ endpoint: server.endpoint, env: ENV, transport: { retryDelayMs: () => 0 } });
});

afterAll(async () => {
  await server?.close();
});

function acmError(type: string, message: string) {
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "REQ7" },
    body: JSON.stringify({ __type: type, message }),
  };
}

describe("AcmCertificateImporter", () => {
  it("POSTs ImportCertificate: X-Amz-Target, JSON 1.1, PEMs as base64 blobs, tags as Key/Value, signed for acm", async () => {
    server.script([{ status: 200, body: JSON.stringify({ CertificateArn: ARN }) }]);
    expect(await importer.importCertificate(REQUEST)).toEqual({ certificateArn: ARN });
    const [sent] = server.requests;
    expect(sent).toMatchObject({ method: "POST", rawPath: "/", query: {} });
    expect(sent?.headers).toMatchObject({
      "x-amz-target": "CertificateManager.ImportCertificate",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-content-sha256": createHash("sha256")
        .update(sent?.body ?? "")
        .digest("hex"),
    });
    expect(sent?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-north-1\/acm\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.parse(sent?.body.toString("utf8") ?? "")).toEqual({
      Certificate: Buffer.from(REQUEST.certificatePem).toString("base64"),
      PrivateKey: Buffer.from(REQUEST.privateKeyPem).toString("base64"),
      CertificateChain: Buffer.from(REQUEST.certificateChainPem).toString("base64"),
      Tags: [
        { Key: "iot-certificates:serial-number", Value: "0a1b" },
        { Key: "iot-certificates:fqdn", Value: "broker.example.test" },
      ],
    });
  });

  it("re-imports onto the given certificate ARN (a renewal), without tags: ACM refuses them on a re-import", async () => {
    server.script([{ status: 200, body: JSON.stringify({ CertificateArn: ARN }) }]);
    expect(await importer.importCertificate({ ...REQUEST, certificateArn: ARN })).toEqual({ certificateArn: ARN });
    const sent = server.requests.at(-1);
    expect(JSON.parse(sent?.body.toString("utf8") ?? "")).toEqual({
      Certificate: Buffer.from(REQUEST.certificatePem).toString("base64"),
      PrivateKey: Buffer.from(REQUEST.privateKeyPem).toString("base64"),
      CertificateChain: Buffer.from(REQUEST.certificateChainPem).toString("base64"),
      CertificateArn: ARN,
    });
  });

  it("names ACM's error type and message, without namespace, after one request for a validation error", async () => {
    server.script([acmError("com.amazonaws.acm#ValidationException", "The certificate chain is not valid")]);
    const error = await rejection(importer.importCertificate(REQUEST));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe("ACM ImportCertificate failed: 400 ValidationException");
    expect(error.cause).toBeInstanceOf(AcmRequestError);
    expect(error.cause).toMatchObject({ status: 400, errorType: "ValidationException", requestId: "REQ7" });
    expect((error.cause as Error).message).toBe("400 ValidationException: The certificate chain is not valid");
    expect(server.requests).toHaveLength(1);
  });

  it("retries throttling and 5xx, at most 3 attempts", async () => {
    server.script([
      acmError("ThrottlingException", "Rate exceeded"),
      { status: 200, body: JSON.stringify({ CertificateArn: ARN }) },
    ]);
    expect(await importer.importCertificate(REQUEST)).toEqual({ certificateArn: ARN });
    expect(server.requests).toHaveLength(2);
    server.script([], { status: 500, body: JSON.stringify({ __type: "InternalFailure" }) });
    await expect(importer.importCertificate(REQUEST)).rejects.toBeInstanceOf(DependencyError);
    expect(server.requests).toHaveLength(3);
  });

  it("refuses an answer without a CertificateArn", async () => {
    server.script([{ status: 200, body: "{}" }]);
    await expect(importer.importCertificate(REQUEST)).rejects.toThrow(/no CertificateArn/);
  });

  it("never carries the private key in an error, even when ACM echoes it", async () => {
    const echoes = [
      acmError("ValidationException", `bad key ${Buffer.from(REQUEST.privateKeyPem).toString("base64")}`),
      acmError("ValidationException", `bad key ${KEY_BODY}`),
      { status: 500, body: REQUEST.privateKeyPem },
      "drop" as const,
    ];
    for (const echo of echoes) {
      server.script([], echo);
      const said = everythingSaid(await rejection(importer.importCertificate(REQUEST)));
      expect(said).not.toContain(KEY_BODY);
      expect(said).not.toContain(Buffer.from(REQUEST.privateKeyPem).toString("base64").slice(0, 40));
    }
  });

  it("needs a region", () => {
    expect(() => new AcmCertificateImporter({ env: {} })).toThrow(/AWS_REGION/);
  });
});
