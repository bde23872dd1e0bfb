/**
 * The local server (dist bundles, as `npm start` runs them) configured for
 * S3 and ACM on moto_server: the same flow over HTTP lands in the bucket and
 * in ACM, and nothing is written to the local store directory.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { opensslVerify } from "../../support/openssl.js";
import { acmClient, importedCertificate, pemBody, readAll } from "./aws-support.js";

const BUCKET = "certificates-local-api-it";
const FQDN = "mqtt.dev.example.com";

let moto: MotoServer;
let api: LocalApi;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  api = await startLocalApi({ CERTIFICATE_BUCKET_NAME: BUCKET, ENDPOINT_URL: "", ...moto.env });
});

afterAll(async () => {
  await api?.stop();
  await moto?.stop();
});

describe("local API on S3 and ACM (moto_server)", () => {
  it("refuses to start without its bucket, printing the command that creates it", () => {
    const started = spawnSync(process.execPath, ["dist/local/server.mjs"], {
      env: { ...process.env, ...moto.env, CERTIFICATE_BUCKET_NAME: "no-bucket-yet", ENDPOINT_URL: "", PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(started.status).toBe(1);
    expect(started.stderr).toContain(
      `not starting: S3 HeadBucket failed: bucket 'no-bucket-yet' does not exist; create it with: aws s3 mb s3://no-bucket-yet --endpoint-url ${moto.env.AWS_ENDPOINT_URL}`,
    );
  });

  it("says it uses the bucket", () => {
    expect(api.output()).toContain(`S3 bucket '${BUCKET}'`);
  });

  it("creates root → intermediates → server and device over HTTP, stored in S3 and imported into ACM", async () => {
    const subject = { organization: "Acme IoT", country: "SE", key_algorithm: "EC-P256" };
    const root = await api.post("/certificates/root", { ...subject, fqdn: "Acme Dev Root CA" });
    expect(root.status).toBe(201);
    for (const name of ["servers", "devices"]) {
      expect((await api.post("/certificates/intermediate", { ...subject, name })).status).toBe(201);
    }
    const server = await api.post("/certificates/server", { ...subject, fqdn: FQDN, issuer: "servers" });
    expect(server.status).toBe(201);
    const device = await api.post("/certificates/device", { ...subject, issuer: "devices" });
    expect(device.status).toBe(201);

    const objects = await readAll(moto.s3, BUCKET);
    const serverFolder = `server_certificates/${FQDN}/${server.body.serial_number}/`;
    const deviceFolder = `device_certificates/${device.body.device_id}/${device.body.serial_number}/`;
    expect(server.body.s3_folder).toBe(serverFolder);
    expect(objects["root_ca/default/ca.json"]).toBeDefined();
    expect(objects[`root_ca/default/${root.body.serial_number}/certificate.pem`]).toBe(root.body.certificate);
    expect(objects["intermediate_ca/servers/ca.json"]).toBeDefined();
    expect(objects["intermediate_ca/devices/ca.json"]).toBeDefined();
    expect(objects[`${serverFolder}certificate.pem`]).toBe(server.body.certificate);
    expect(objects[`${serverFolder}private_key.pem`]).toBe(server.body.private_key);
    expect(JSON.parse(objects[`${serverFolder}certificate.json`] ?? "{}").acm_certificate_arn).toBe(
      server.body.acm_certificate_arn,
    );
    expect(objects[`${deviceFolder}certificate.pem`]).toBe(device.body.certificate);
    expect(objects[`${deviceFolder}certificate.json`]).toBeDefined();

    const acm = acmClient(moto);
    const imported = await importedCertificate(acm, server.body.acm_certificate_arn);
    acm.destroy();
    expect(imported.description).toMatchObject({ DomainName: FQDN, Type: "IMPORTED" });
    expect(pemBody(imported.certificate)).toBe(pemBody(server.body.certificate));
    expect(imported.tags["iot-certificates:serial-number"]).toBe(server.body.serial_number);

    expect(
      opensslVerify({
        trusted: root.body.certificate,
        untrusted: server.body.certificate_chain,
        certificate: server.body.certificate,
        purpose: "sslserver",
      }).ok,
    ).toBe(true);

    const bundle = await api.get("/certificates/root/default", { accept: "application/x-pem-file" });
    expect(bundle.status).toBe(200);
    expect(bundle.body).toBe(root.body.certificate);

    // With a bucket configured, the local store directory stays unused.
    expect(readdirSync(api.storeDirectory)).toEqual([]);
  });

  it("answers 409 over HTTP for an existing root and leaves its objects unchanged", async () => {
    const before = await readAll(moto.s3, BUCKET, "root_ca/");
    const again = await api.post("/certificates/root", { key_algorithm: "EC-P256" });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(await readAll(moto.s3, BUCKET, "root_ca/")).toEqual(before);
  });
});
