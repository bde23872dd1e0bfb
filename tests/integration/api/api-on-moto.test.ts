/**
 * Issue 4 on real S3 and ACM protocols (moto_server): the local server with
 * CERTIFICATE_BUCKET_NAME runs root → intermediates → server (imported into
 * ACM) → device → list → revoke → CRL over HTTP, and the bucket holds the
 * inventory index, the revocation record and the signed CRL where the
 * storage layout says.
 */
import { ACMClient, DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, getBytes, listAll, postExpect } from "../../support/api/api-client.js";
import { crlText, revokedSerials, verifyCrlSignature } from "../../support/api/openssl-tools.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { opensslVerify } from "../../support/openssl.js";

const BUCKET = "iot-certificates-api-it";
const FQDN = "mqtt.dev.example.com";

let moto: MotoServer;
let api: LocalApi;

async function bucketKeys(s3: S3Client, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function bucketObject(s3: S3Client, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await response.Body?.transformToString("utf-8")) ?? "";
}

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  api = await startLocalApi({ CERTIFICATE_BUCKET_NAME: BUCKET, ENDPOINT_URL: "", ...moto.env });
});

afterAll(async () => {
  await api?.stop();
  await moto?.stop();
});

describe("the complete API on S3 and ACM (moto_server)", () => {
  it("root → intermediates → server (ACM) → device → list → revoke → CRL, all landing in the bucket", async () => {
    expect(api.output()).toContain(`S3 bucket '${BUCKET}'`);
    const ec = { key_algorithm: "EC-P256", organization: "Acme IoT", country: "SE" };

    const root = await postExpect(api, "/certificates/root", { ...ec, fqdn: "Acme Dev Root CA" }, 201);
    const servers = await postExpect(api, "/certificates/intermediate", { ...ec, name: "servers" }, 201);
    const devices = await postExpect(api, "/certificates/intermediate", { ...ec, name: "devices" }, 201);

    // Server: generated key, imported into ACM.
    const server = await postExpect(api, "/certificates/server", { ...ec, fqdn: FQDN, issuer: "servers" }, 201);
    expect(server.acm_certificate_arn).toMatch(/^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    expect(server.acm_import).toBe("imported");
    const acm = new ACMClient({
      endpoint: moto.endpoint,
      region: moto.env.AWS_REGION,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    try {
      const described = await acm.send(new DescribeCertificateCommand({ CertificateArn: server.acm_certificate_arn }));
      expect(described.Certificate).toMatchObject({
        CertificateArn: server.acm_certificate_arn,
        DomainName: FQDN,
        Type: "IMPORTED",
      });
      // ACM writes the serial as colon-separated hex; moto writes it in decimal.
      const serial = described.Certificate?.Serial ?? "";
      const hex = /^\d+$/.test(serial) ? BigInt(serial).toString(16) : serial.replace(/:/g, "").toLowerCase();
      expect(hex.padStart(32, "0")).toBe(server.serial_number);
    } finally {
      acm.destroy();
    }

    // Devices: one alone, a small batch.
    const device = await postExpect(
      api,
      "/certificates/device",
      { ...ec, device_id: "sensor-0001", issuer: "devices" },
      201,
    );
    const batch = await postExpect(api, "/certificates/device/batch", { count: 5, issuer: "devices" }, 201);
    const deviceSerials = [device.serial_number, ...batch.results.map((result: any) => result.serial_number)];
    expect(
      opensslVerify({
        trusted: root.certificate,
        untrusted: device.certificate_chain,
        certificate: device.certificate,
        purpose: "sslclient",
      }).ok,
    ).toBe(true);

    // List: pages of 2 over S3 ListObjectsV2.
    const listed = await listAll(api, "device", { limit: "2" });
    expect(listed.pages).toBe(3);
    expect(listed.items.map((item) => item.serial_number).sort()).toEqual([...deviceSerials].sort());
    const cas = await listAll(api, "intermediate");
    expect(cas.items.map((item) => item.id)).toEqual(["devices", "servers"]);
    const details = await api.get(`/certificates/server/${server.serial_number}`);
    expect(details.body).toMatchObject({ status: "valid", acm_certificate_arn: server.acm_certificate_arn });
    expect(details.body).not.toHaveProperty("private_key");

    // Revoke, then read the CRL over HTTP.
    await postExpect(api, `/certificates/device/${device.serial_number}/revoke`, { reason: "keyCompromise" }, 200);
    expectProblem(await api.post(`/certificates/device/${device.serial_number}/revoke`, {}), 409);
    const revokedRows = await listAll(api, "device", { status: "revoked" });
    expect(revokedRows.items.map((item) => item.serial_number)).toEqual([device.serial_number]);
    const crl = await getBytes(api.baseUrl, "/crl/intermediate/devices");
    expect(crl.status).toBe(200);
    expect(crl.contentType).toBe("application/pkix-crl");
    const text = crlText(crl.bytes);
    expect(revokedSerials(text)).toEqual([device.serial_number]);
    expect(text).toContain("Key Compromise");
    expect(verifyCrlSignature(crl.bytes, devices.certificate_chain).ok).toBe(true);

    // What the bucket holds.
    const inventory = await bucketKeys(moto.s3, "inventory/");
    const entry = (kind: string, id: string) => inventory.filter((key) => key.startsWith(`inventory/${kind}/${id}~`));
    expect(entry("root", "default")).toHaveLength(1);
    expect(entry("intermediate", "servers")).toHaveLength(1);
    expect(entry("intermediate", "devices")).toHaveLength(1);
    expect(entry("server", server.serial_number)).toHaveLength(1);
    for (const serial of deviceSerials) expect(entry("device", serial)).toHaveLength(1);
    expect(entry("device", device.serial_number)[0]).toBe(
      `inventory/device/${device.serial_number}~${device.serial_number}~devices~${device.not_after.replace(/[-:]|\.\d{3}/g, "")}~EC-P256~sensor-0001`,
    );
    expect(await bucketObject(moto.s3, entry("device", device.serial_number)[0] as string)).toBe("");

    const revocationKey = `revocations/intermediate/devices/${device.serial_number}.json`;
    expect(await bucketKeys(moto.s3, "revocations/")).toEqual([revocationKey]);
    expect(JSON.parse(await bucketObject(moto.s3, revocationKey))).toMatchObject({
      kind: "device",
      serial_number: device.serial_number,
      subject_id: "sensor-0001",
      reason: "keyCompromise",
    });

    const crls = await bucketKeys(moto.s3, "intermediate_ca/devices/crl/");
    expect(crls.length).toBeGreaterThanOrEqual(1);
    for (const key of crls) expect(key).toMatch(/^intermediate_ca\/devices\/crl\/\d{20}\.crl\.pem$/);
    // The newest stored CRL (first key) is the one served.
    const stored = await bucketObject(moto.s3, crls[0] as string);
    expect(stored.replace(/-----[^-]+-----|\s+/g, "")).toBe(crl.bytes.toString("base64"));

    expect(await bucketKeys(moto.s3, `server_certificates/${FQDN}/${server.serial_number}/`)).toEqual(
      ["certificate.json", "certificate.pem", "certificate_chain.pem", "private_key.pem"].map(
        (file) => `server_certificates/${FQDN}/${server.serial_number}/${file}`,
      ),
    );
    expect(servers.serial_number).toBeDefined();
  });
});
