/**
 * The Lambda handlers, configured as in AWS (CERTIFICATE_BUCKET_NAME, plus
 * AWS_ENDPOINT_URL pointing at moto_server): root → intermediates → server
 * and device. The objects are really in the bucket, the server certificate is
 * really imported into ACM, and a race for one CA name has one winner.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetServicesForTesting } from "../../../src/composition-root.js";
import { handler as createIntermediate } from "../../../src/http/handlers/create-intermediate-ca.js";
import { handler as createRoot } from "../../../src/http/handlers/create-root-ca.js";
import { handler as getCertificate } from "../../../src/http/handlers/get-certificate.js";
import { handler as issueDevice } from "../../../src/http/handlers/issue-device-certificate.js";
import { handler as issueServer } from "../../../src/http/handlers/issue-server-certificate.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { opensslVerify, splitPemChain } from "../../support/openssl.js";
import { acmClient, importedCertificate, listKeys, pemBody, readAll } from "./aws-support.js";

const BUCKET = "certificates-handlers-it";
const FQDN = "broker.dev.example.com";

let moto: MotoServer;

function post(resource: string, body: unknown): APIGatewayProxyEvent {
  return {
    resource,
    path: resource,
    httpMethod: "POST",
    headers: { "content-type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
  };
}

async function call(
  run: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }>,
  event: APIGatewayProxyEvent,
) {
  const result = await run(event);
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", BUCKET);
  vi.stubEnv("ENDPOINT_URL", "");
  for (const [name, value] of Object.entries(moto.env)) vi.stubEnv(name, value);
  resetServicesForTesting();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  resetServicesForTesting();
  await moto?.stop();
});

describe("handlers on S3 and ACM (moto_server)", () => {
  it("creates root → servers/devices → server and device certificates, stored in S3 and imported into ACM", async () => {
    const subject = { organization: "Acme IoT", country: "SE", key_algorithm: "EC-P256" };
    const root = await call(createRoot, post("/certificates/root", { ...subject, name: "default" }));
    expect(root.status).toBe(201);
    const servers = await call(createIntermediate, post("/certificates/intermediate", { ...subject, name: "servers" }));
    const devices = await call(createIntermediate, post("/certificates/intermediate", { ...subject, name: "devices" }));
    expect([servers.status, devices.status]).toEqual([201, 201]);

    const server = await call(
      issueServer,
      post("/certificates/server", { ...subject, fqdn: FQDN, issuer: "servers", subject_alt_names: ["192.0.2.10"] }),
    );
    expect(server.status).toBe(201);
    const device = await call(
      issueDevice,
      post("/certificates/device", { ...subject, device_id: "sensor-0001", issuer: "devices" }),
    );
    expect(device.status).toBe(201);

    // S3: exactly the layout, with the bodies the responses carry.
    const objects = await readAll(moto.s3, BUCKET);
    const certificateKeys = Object.keys(objects).filter((key) => !key.startsWith("inventory/"));
    const folders = {
      root: `root_ca/default/${root.body.serial_number}/`,
      servers: `intermediate_ca/servers/${servers.body.serial_number}/`,
      devices: `intermediate_ca/devices/${devices.body.serial_number}/`,
      server: `server_certificates/${FQDN}/${server.body.serial_number}/`,
      device: `device_certificates/sensor-0001/${device.body.serial_number}/`,
    };
    const pems = ["certificate.pem", "certificate_chain.pem", "private_key.pem"];
    expect(certificateKeys).toEqual(
      [
        "root_ca/default/ca.json",
        `${folders.root}certificate.pem`,
        `${folders.root}private_key.pem`,
        "intermediate_ca/servers/ca.json",
        ...pems.map((file) => `${folders.servers}${file}`),
        "intermediate_ca/devices/ca.json",
        ...pems.map((file) => `${folders.devices}${file}`),
        ...[...pems, "certificate.json"].map((file) => `${folders.server}${file}`),
        ...[...pems, "certificate.json"].map((file) => `${folders.device}${file}`),
      ].sort(),
    );
    expect(root.body.s3_folder).toBe(folders.root);
    expect(server.body.s3_folder).toBe(folders.server);
    expect(objects[`${folders.root}certificate.pem`]).toBe(root.body.certificate);
    expect(objects[`${folders.servers}certificate_chain.pem`]).toBe(servers.body.certificate_chain);
    expect(objects[`${folders.server}certificate.pem`]).toBe(server.body.certificate);
    expect(objects[`${folders.server}certificate_chain.pem`]).toBe(server.body.certificate_chain);
    expect(objects[`${folders.server}private_key.pem`]).toBe(server.body.private_key);
    expect(objects[`${folders.device}certificate.pem`]).toBe(device.body.certificate);
    expect(objects[`${folders.device}private_key.pem`]).toBe(device.body.private_key);
    expect(JSON.parse(objects[`${folders.server}certificate.json`] ?? "")).toMatchObject({
      serial_number: server.body.serial_number,
      acm_certificate_arn: server.body.acm_certificate_arn,
      certificate: server.body.certificate,
    });
    for (const ca of [root, servers, devices]) expect(JSON.stringify(ca.body)).not.toContain("PRIVATE KEY");

    // ACM: the certificate, its chain and its tags are really there.
    expect(server.body.acm_certificate_arn).toMatch(/^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    const acm = acmClient(moto);
    const imported = await importedCertificate(acm, server.body.acm_certificate_arn);
    acm.destroy();
    expect(imported.description).toMatchObject({ DomainName: FQDN, Type: "IMPORTED" });
    expect(imported.description?.SubjectAlternativeNames).toContain(FQDN);
    expect(pemBody(imported.certificate)).toBe(pemBody(server.body.certificate));
    // moto appends its own "Amazon" CA to the chain it returns; ours must come first, whole.
    expect(pemBody(imported.certificateChain).startsWith(pemBody(server.body.certificate_chain))).toBe(true);
    expect(imported.tags).toMatchObject({
      "iot-certificates:serial-number": server.body.serial_number,
      "iot-certificates:fqdn": FQDN,
    });

    // The stored chain verifies as users would check it.
    expect(splitPemChain(server.body.certificate_chain)).toEqual([servers.body.certificate, root.body.certificate]);
    expect(
      opensslVerify({
        trusted: objects[`${folders.root}certificate.pem`] ?? "",
        untrusted: objects[`${folders.server}certificate_chain.pem`],
        certificate: objects[`${folders.server}certificate.pem`] ?? "",
        purpose: "sslserver",
      }).ok,
    ).toBe(true);

    // GET serves the stored CA.
    const fetched = await getCertificate({
      ...post("/certificates/intermediate/{name}", undefined),
      httpMethod: "GET",
      body: null,
      pathParameters: { name: "servers" },
    });
    expect(fetched.statusCode).toBe(200);
    expect(JSON.parse(fetched.body).certificate_chain).toBe(servers.body.certificate_chain);
  });

  it("gives one of two concurrent creations of a CA name a 201 and the other a 409, keeping only the winner's files", async () => {
    const results = await Promise.all(
      [1, 2].map(() => call(createRoot, post("/certificates/root", { name: "race", key_algorithm: "EC-P256" }))),
    );
    expect(results.map((result) => result.status).sort()).toEqual([201, 409]);
    const winner = results.find((result) => result.status === 201)?.body;
    const keys = (await listKeys(moto.s3, BUCKET)).filter((key) => key.startsWith("root_ca/race/"));
    expect(keys).toEqual([
      `root_ca/race/${winner.serial_number}/certificate.pem`,
      `root_ca/race/${winner.serial_number}/private_key.pem`,
      "root_ca/race/ca.json",
    ]);
    const stored = await readAll(moto.s3, BUCKET, "root_ca/race/");
    expect(JSON.parse(stored["root_ca/race/ca.json"] ?? "").serial_number).toBe(winner.serial_number);
    expect(stored[`root_ca/race/${winner.serial_number}/certificate.pem`]).toBe(winner.certificate);
  });
});
