/**
 * `POST /certificates/server` on mocked S3 and ACM, with issuer material made
 * by the real core: the exact S3 writes (bucket, keys, bodies, content types,
 * create-only), the exact ACM import (bytes and tags), their order, and the
 * failure answers.
 */
import "aws-sdk-client-mock-vitest/extend";
import { ImportCertificateCommand, type ImportCertificateCommandInput } from "@aws-sdk/client-acm";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handler } from "../../../../src/http/handlers/issue-server-certificate.js";
import { splitPemChain } from "../../../support/openssl.js";
import type { MockS3Bucket } from "../../../support/storage/mock-s3-bucket.js";
import { inspectCertificate, isSignedBy, keyMatchesCertificate } from "../../core/issuance/inspect-certificate.js";
import type { MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";
import {
  acmMock,
  BUCKET,
  expectProblem,
  issuerMaterial,
  json,
  jsonPut,
  pemPut,
  post,
  putInputs,
  s3Mock,
  setUpAws,
} from "./handler-harness.js";

const ROUTE = "/certificates/server";
const FQDN = "broker.dev.example.com";
const ARN = "arn:aws:acm:eu-north-1:123456789012:certificate/0b5d6b1e-1111-2222-3333-444455556666";
const decoder = new TextDecoder();

let pki: MemoryHierarchy;
let bucket: MockS3Bucket;
let timeline: string[];

beforeAll(async () => {
  pki = await issuerMaterial();
});

beforeEach(() => {
  ({ bucket, timeline } = setUpAws(pki));
  acmMock.on(ImportCertificateCommand).callsFake((input: ImportCertificateCommandInput) => {
    timeline.push(`acm:import ${decoder.decode(input.Certificate).length}`);
    return { CertificateArn: ARN };
  });
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function request(extra: Record<string, unknown> = {}) {
  return post(ROUTE, { fqdn: FQDN, issuer: "servers", key_algorithm: "EC-P256", ...extra });
}

describe("POST /certificates/server", () => {
  it("writes the PEMs, imports into ACM, then writes certificate.json, with exactly these commands", async () => {
    const result = await handler(
      request({ organization: "Acme IoT", country: "se", subject_alt_names: ["*.dev.example.com", "192.0.2.10"] }),
    );
    expect(result.statusCode).toBe(201);
    const body = json(result);
    const folder = `server_certificates/${FQDN}/${body.serial_number}/`;
    expect(body).toMatchObject({
      message: "Server certificate created, stored, and imported to ACM.",
      fqdn: FQDN,
      acm_certificate_arn: ARN,
      issuer: "servers",
      key_algorithm: "EC-P256",
      s3_folder: folder,
      private_key: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
    });

    // The issued certificate, parsed: the right subject, issuer, signature and chain.
    const server = inspectCertificate(body.certificate);
    const intermediate = inspectCertificate(pki.servers.record.certificate);
    expect(server.subject).toEqual({ C: ["SE"], O: ["Acme IoT"], CN: [FQDN] });
    expect(server.issuer).toEqual(intermediate.subject);
    expect(await isSignedBy(server.certificate, intermediate.certificate)).toBe(true);
    expect(server.subjectAltNames?.names).toEqual([
      { type: "dns", value: FQDN },
      { type: "dns", value: "*.dev.example.com" },
      { type: "ip", value: "192.0.2.10" },
    ]);
    expect(keyMatchesCertificate(body.private_key, server.certificate)).toBe(true);
    expect(splitPemChain(body.certificate_chain)).toEqual([
      pki.servers.record.certificate,
      pki.root.record.certificate,
    ]);

    // Issuer material read from the bucket.
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: "intermediate_ca/servers/ca.json",
    });
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: `intermediate_ca/servers/${pki.servers.record.serial_number}/private_key.pem`,
    });

    // The S3 writes, exactly.
    const certificateJson = bucket.body(`${folder}certificate.json`);
    expect(putInputs()).toEqual([
      pemPut(`${folder}private_key.pem`, body.private_key),
      pemPut(`${folder}certificate.pem`, body.certificate),
      pemPut(`${folder}certificate_chain.pem`, body.certificate_chain),
      jsonPut(`${folder}certificate.json`, certificateJson),
    ]);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: `server_certificates/broker.dev.example.com/${body.serial_number}/certificate.pem`,
      Body: body.certificate,
      ContentType: "application/x-pem-file",
      IfNoneMatch: "*",
    });
    expect(JSON.parse(certificateJson)).toEqual({
      kind: "server",
      subject_id: FQDN,
      serial_number: body.serial_number,
      key_algorithm: "EC-P256",
      issuer: "servers",
      not_before: body.not_before,
      not_after: body.not_after,
      created_at: expect.any(String),
      folder,
      certificate: body.certificate,
      certificate_chain: body.certificate_chain,
      acm_certificate_arn: ARN,
    });
    expect(certificateJson).not.toContain("PRIVATE KEY");

    // The ACM import, exactly: the same bytes the response carries, and the tags.
    expect(acmMock).toHaveReceivedCommandTimes(ImportCertificateCommand, 1);
    const imported = acmMock.commandCalls(ImportCertificateCommand)[0]?.args[0].input as ImportCertificateCommandInput;
    expect(Object.keys(imported).sort()).toEqual(["Certificate", "CertificateChain", "PrivateKey", "Tags"]);
    expect(decoder.decode(imported.Certificate)).toBe(body.certificate);
    expect(decoder.decode(imported.PrivateKey)).toBe(body.private_key);
    expect(decoder.decode(imported.CertificateChain)).toBe(body.certificate_chain);
    expect(imported.Tags).toHaveLength(2);
    expect(imported.Tags).toEqual(
      expect.arrayContaining([
        { Key: "iot-certificates:serial-number", Value: body.serial_number },
        { Key: "iot-certificates:fqdn", Value: FQDN },
      ]),
    );

    // The order: PEMs, then ACM, then the record (only index entries may follow).
    const events = timeline.filter((event) => !event.startsWith("s3:put inventory/"));
    expect(events).toEqual([
      `s3:put ${folder}private_key.pem`,
      `s3:put ${folder}certificate.pem`,
      `s3:put ${folder}certificate_chain.pem`,
      expect.stringMatching(/^acm:import /),
      `s3:put ${folder}certificate.json`,
    ]);
    const recordIndex = timeline.indexOf(`s3:put ${folder}certificate.json`);
    expect(timeline.slice(recordIndex + 1).every((event) => event.startsWith("s3:put inventory/"))).toBe(true);
  });

  it("stores a lowercase fqdn under its lowercase folder", async () => {
    const result = await handler(request({ fqdn: "Broker.Dev.Example.COM" }));
    expect(result.statusCode).toBe(201);
    const body = json(result);
    expect(body.fqdn).toBe(FQDN);
    expect(putInputs().every((input) => String(input.Key).startsWith(`server_certificates/${FQDN}/`))).toBe(true);
  });

  it("answers 503 with Retry-After when ACM fails, and writes no certificate.json", async () => {
    acmMock.on(ImportCertificateCommand).rejects(new Error("ThrottlingException: Rate exceeded"));
    const result = await handler(request());
    const problem = expectProblem(result, 503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(problem.detail).toContain("retry");
    expect(result.body).not.toContain("ThrottlingException");
    expect(result.body).not.toContain("PRIVATE KEY");
    expect(putInputs().some((input) => String(input.Key).endsWith("certificate.json"))).toBe(false);
    expect(bucket.keys().some((key) => key.startsWith("server_certificates/") && key.endsWith(".json"))).toBe(false);
    expect(bucket.keys().some((key) => key.startsWith("inventory/server/"))).toBe(false);
  });

  it("answers 404 naming `issuer` when the intermediate does not exist, and writes nothing", async () => {
    const problem = expectProblem(await handler(request({ issuer: "nope" })), 404, "issuer");
    expect(problem.detail).toContain("POST /certificates/intermediate");
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    "../../etc",
    "a/b",
    "%2e%2e",
    "a\\b",
    "a\u0000b",
    "ｅxample.com",
    "/etc/passwd",
    "a".repeat(300),
    `${"a".repeat(63)}.${"b".repeat(10)}`, // a host name, but too long for the CN
  ])("answers 400 naming `fqdn` for %j, before any AWS call", async (fqdn) => {
    expectProblem(await handler(request({ fqdn })), 400, "fqdn");
    expect(s3Mock).not.toHaveReceivedAnyCommand();
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it("answers 400 naming `fqdn` when it is missing", async () => {
    const problem = expectProblem(await handler(post(ROUTE, { issuer: "servers" })), 400, "fqdn");
    expect(problem.detail).toContain("required");
    expect(s3Mock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    [{ key_algorithm: "Ed25519" }, "key_algorithm"],
    [{ subject_alt_names: ["*.com"] }, "subject_alt_names.0"],
    [{ subject_alt_names: ["urn:dev:1"] }, "subject_alt_names.0"],
    [{ validity_behavior: "extend" }, "validity_behavior"],
  ])("answers 400 for %j naming %s", async (extra, field) => {
    expectProblem(await handler(request(extra)), 400, field);
    expect(s3Mock).not.toHaveReceivedAnyCommand();
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it("answers 500 problem+json without internals when the issuer's key is missing", async () => {
    bucket.objects.delete(`intermediate_ca/servers/${pki.servers.record.serial_number}/private_key.pem`);
    const result = await handler(request());
    const problem = expectProblem(result, 500);
    expect(problem.detail).not.toContain("private key");
    expect(result.body).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/);
    expect(acmMock).not.toHaveReceivedAnyCommand();
  });

  it("never sends a CA private key to ACM or returns one", async () => {
    const result = await handler(request());
    const caKeys = [pki.root, pki.servers, pki.devices].map(
      (ca) => bucket.body(`${ca.record.folder}private_key.pem`).split("\n")[1],
    );
    const imported = acmMock.commandCalls(ImportCertificateCommand)[0]?.args[0].input as ImportCertificateCommandInput;
    for (const line of caKeys) {
      expect(line).toMatch(/^[A-Za-z0-9+/]{40,}/);
      expect(result.body).not.toContain(line);
      expect(decoder.decode(imported.PrivateKey)).not.toContain(line);
    }
  });
});
