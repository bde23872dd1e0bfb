/**
 * AcmCertificateImporter in the SDK's own terms (aws-sdk-client-mock): the
 * exact ImportCertificate request (the PEM texts as bytes, the tags as a
 * Key/Value list), the ARN it returns, and failures that become a
 * DependencyError naming ACM's error, whose message, HTTP answer and log line
 * never carry the private key. moto_server proves the protocol in
 * tests/integration/storage/acm-certificate-importer.test.ts.
 */
import {
  ACMClient,
  ACMServiceException,
  ImportCertificateCommand,
  LimitExceededException,
  ValidationException,
} from "@aws-sdk/client-acm";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AcmCertificateImporter } from "../../../src/adapters/acm-certificate-importer.js";
import { DependencyError } from "../../../src/core/errors.js";
import { errorResponse } from "../../../src/http/problem.js";
import { rejection } from "../../support/rejections.js";

const ARN = "arn:aws:acm:eu-north-1:123456789012:certificate/0b4e4e4e-1111-2222-3333-444455556666";
const KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
const REQUEST = {
  certificatePem: "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----\n",
  privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${KEY_BODY}\n-----END PRIVATE KEY-----\n`,
  certificateChainPem:
    "-----BEGIN CERTIFICATE-----\nMIIBintermediate\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n",
  tags: { "iot-certificates:serial-number": "0a1b", "iot-certificates:fqdn": "broker.example.test" },
};

const acm = mockClient(ACMClient);
let importer: AcmCertificateImporter;

beforeEach(() => {
  acm.reset();
  importer = new AcmCertificateImporter(new ACMClient({ region: "eu-north-1" }));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const bytes = (text: string) => new TextEncoder().encode(text);

describe("AcmCertificateImporter", () => {
  it("sends ImportCertificate with the certificate, key and chain as bytes and the tags as Key/Value", async () => {
    acm.on(ImportCertificateCommand).resolves({ CertificateArn: ARN });
    expect(await importer.importCertificate(REQUEST)).toEqual({ certificateArn: ARN });
    expect(acm).toHaveReceivedCommandTimes(ImportCertificateCommand, 1);
    const [call] = acm.commandCalls(ImportCertificateCommand);
    expect(call?.args[0].input).toEqual({
      Certificate: bytes(REQUEST.certificatePem),
      PrivateKey: bytes(REQUEST.privateKeyPem),
      CertificateChain: bytes(REQUEST.certificateChainPem),
      Tags: [
        { Key: "iot-certificates:serial-number", Value: "0a1b" },
        { Key: "iot-certificates:fqdn", Value: "broker.example.test" },
      ],
    });
    expect(acm).toHaveReceivedCommandWith(ImportCertificateCommand, {
      Tags: expect.arrayContaining([{ Key: "iot-certificates:fqdn", Value: "broker.example.test" }]),
    });
  });

  it("re-imports a renewal onto the certificate's ARN (CertificateArn), without tags: ACM refuses them on a re-import", async () => {
    acm.on(ImportCertificateCommand).resolves({ CertificateArn: ARN });
    expect(await importer.importCertificate({ ...REQUEST, certificateArn: ARN })).toEqual({ certificateArn: ARN });
    expect(acm).toHaveReceivedCommandExactlyOnceWith(ImportCertificateCommand, {
      Certificate: bytes(REQUEST.certificatePem),
      PrivateKey: bytes(REQUEST.privateKeyPem),
      CertificateChain: bytes(REQUEST.certificateChainPem),
      CertificateArn: ARN,
    });
    const [call] = acm.commandCalls(ImportCertificateCommand);
    expect(call?.args[0].input.Tags).toBeUndefined();
  });

  it("a refusal is a DependencyError naming status and ACM's error type, with the SDK error as cause", async () => {
    const refusal = new ValidationException({
      $metadata: { httpStatusCode: 400, requestId: "REQ7" },
      message: "The certificate chain is not valid",
    });
    acm.on(ImportCertificateCommand).rejects(refusal);
    const error = await rejection(importer.importCertificate(REQUEST));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe("ACM ImportCertificate failed: 400 ValidationException");
    expect(error.cause).toBe(refusal);
  });

  it("throttling that outlasts the SDK's retries and a lost connection are DependencyErrors too", async () => {
    acm
      .on(ImportCertificateCommand)
      .rejects(
        new LimitExceededException({ $metadata: { httpStatusCode: 400, attempts: 3 }, message: "Rate exceeded" }),
      );
    expect((await rejection(importer.importCertificate(REQUEST))).message).toBe(
      "ACM ImportCertificate failed: 400 LimitExceededException",
    );
    acm.reset();
    acm.on(ImportCertificateCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    expect((await rejection(importer.importCertificate(REQUEST))).message).toBe(
      "ACM ImportCertificate failed: no response (ECONNRESET)",
    );
  });

  it("refuses an answer without a CertificateArn", async () => {
    acm.on(ImportCertificateCommand).resolves({});
    const error = await rejection(importer.importCertificate(REQUEST));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toMatch(/no CertificateArn/);
  });

  it("never lets the private key reach the error message, the HTTP answer or the log, even when ACM echoes it", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
    const keyAsSent = Buffer.from(REQUEST.privateKeyPem).toString("base64");
    for (const echo of [`bad key ${keyAsSent}`, `bad key ${REQUEST.privateKeyPem}`]) {
      acm.reset();
      acm.on(ImportCertificateCommand).rejects(
        new ACMServiceException({
          name: "ValidationException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: echo,
        }),
      );
      const error = await rejection(importer.importCertificate(REQUEST));
      const response = errorResponse(error);
      expect(response.statusCode).toBe(503);
      for (const said of [error.message, response.body, ...logged]) {
        expect(said).not.toContain(KEY_BODY);
        expect(said).not.toContain(keyAsSent.slice(0, 40));
      }
    }
    expect(logged.length).toBeGreaterThanOrEqual(2);
  });
});
