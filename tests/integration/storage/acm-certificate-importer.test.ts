/**
 * AcmCertificateImporter (on the SDK's ACMClient) against a real ACM protocol server (moto_server): a
 * server certificate made by the core arrives whole, with its chain and tags,
 * as the SDK's ACMClient reads it back; then, with moto checking every
 * signature (botocore's SigV4), a signed import is accepted and a wrong
 * secret refused.
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmCertificateImporter } from "../../../src/adapters/acm-certificate-importer.js";
import { DependencyError } from "../../../src/core/errors.js";
import type { CertificateImportRequest } from "../../../src/core/ports.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { rejection } from "../../support/rejections.js";
import { acmClient, importedCertificate, pemBody } from "./aws-support.js";

const FQDN = "broker.acm-it.example.com";

let moto: MotoServer;
let hierarchy: TestHierarchy;
let request: CertificateImportRequest;
const clients: ACMClient[] = [];

/** An ACMClient on moto with the given credentials (default: moto's dummy ones). */
function motoAcm(credentials = { accessKeyId: "testing", secretAccessKey: "testing" }): ACMClient {
  const client = new ACMClient({ endpoint: moto.endpoint, region: moto.env.AWS_REGION, credentials });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  [moto, hierarchy] = await Promise.all([startMotoServer(), createTestHierarchy()]);
  const issued = await hierarchy.issueServer({ fqdn: FQDN });
  if (!issued.privateKeyPem) throw new Error("the server certificate came without its key");
  request = {
    certificatePem: issued.record.certificate,
    privateKeyPem: issued.privateKeyPem,
    certificateChainPem: issued.record.certificate_chain,
    tags: { "iot-certificates:serial-number": issued.record.serial_number, "iot-certificates:fqdn": FQDN },
  };
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  hierarchy?.remove();
  await moto?.stop();
});

describe("AcmCertificateImporter on moto_server", () => {
  it("imports a server certificate with its chain and tags, as ACMClient reads it back", async () => {
    const importer = new AcmCertificateImporter(motoAcm());
    const { certificateArn } = await importer.importCertificate(request);
    expect(certificateArn).toMatch(/^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    const acm = acmClient(moto);
    const imported = await importedCertificate(acm, certificateArn);
    acm.destroy();
    expect(imported.description).toMatchObject({ DomainName: FQDN, Type: "IMPORTED" });
    expect(imported.description?.SubjectAlternativeNames).toContain(FQDN);
    expect(pemBody(imported.certificate)).toBe(pemBody(request.certificatePem));
    // moto appends its own "Amazon" CA to the chain it returns; ours must come first, whole.
    expect(pemBody(imported.certificateChain).startsWith(pemBody(request.certificateChainPem))).toBe(true);
    expect(imported.tags).toEqual(request.tags);
  });

  it("names ACM's error for a certificate ACM refuses, without the private key", async () => {
    const importer = new AcmCertificateImporter(motoAcm());
    const failure = await rejection(
      importer.importCertificate({
        ...request,
        certificatePem: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
      }),
    );
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure.message).toMatch(/^ACM ImportCertificate failed: 400 \w+Exception$/);
    expect(failure.cause).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const keyBody = pemBody(request.privateKeyPem);
    for (let e: Error | undefined = failure; e; e = e.cause as Error | undefined) {
      expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(keyBody.slice(0, 40));
    }
  });
});

// Last: once moto checks signatures, clients on the dummy credentials stop working.
describe("AcmCertificateImporter on moto_server checking every signature", () => {
  it("is accepted signed with the right secret and refused with a wrong one", async () => {
    const credentials = await moto.requireSignatures();
    const signed = new AcmCertificateImporter(motoAcm(credentials));
    expect((await signed.importCertificate(request)).certificateArn).toMatch(/^arn:aws:acm:/);
    const forged = new AcmCertificateImporter(
      motoAcm({ accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret" }),
    );
    const failure = await rejection(forged.importCertificate(request));
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure.cause).toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
