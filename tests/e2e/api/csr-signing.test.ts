/**
 * Issue 4, CSR signing, as a curl user checks it: keys and CSRs made with
 * `openssl req -new` (RSA-2048, EC P-256, Ed25519) POSTed as `csr` to
 * /certificates/server and /certificates/device. The certificate certifies
 * the CSR's own key (never a new one, no `private_key` returned), verifies
 * strictly against the root, and a server certificate from a CSR is not
 * imported into ACM. Bad CSRs are refused with 400 and nothing is stored,
 * malformed DER signed with the CSR's own key included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHierarchy, expectProblem, postExpect, storeFiles } from "../../support/api/api-client.js";
import {
  type CsrKeyAlgorithm,
  certificatePublicKey,
  csrPublicKey,
  csrSignatureVerifies,
  makeKeyAndCsr,
  tamperSignature,
} from "../../support/api/openssl-tools.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import {
  BASIC_CONSTRAINTS_EXTN_ID,
  csrWithExtensions,
  dnsNamesDer,
  extensionDer,
  SUBJECT_ALT_NAME_EXTN_ID,
} from "../../support/signed-csr.js";

const ALGORITHMS: CsrKeyAlgorithm[] = ["RSA-2048", "EC-P256", "Ed25519"];

let api: LocalApi;
let rootPem: string;

beforeAll(async () => {
  api = await startLocalApi();
  const { root } = await createHierarchy(api);
  rootPem = root.certificate;
});

afterAll(async () => {
  await api?.stop();
});

describe("POST /certificates/server with a CSR", () => {
  it.each(ALGORITHMS)("%s: certifies the CSR's key, returns no key, is not imported into ACM", async (algorithm) => {
    const fqdn = `broker-${algorithm.toLowerCase()}.dev.example.com`;
    const { csrPem } = makeKeyAndCsr({
      keyAlgorithm: algorithm,
      commonName: fqdn,
      subjectAltNames: [`DNS:${fqdn}`, "DNS:mqtt.dev.example.com"],
    });
    const body = await postExpect(
      api,
      "/certificates/server",
      { fqdn, issuer: "servers", subject_alt_names: ["mqtt.dev.example.com"], csr: csrPem },
      201,
    );

    expect(body).not.toHaveProperty("private_key");
    expect(body).not.toHaveProperty("pkcs12");
    expect(body.acm_certificate_arn).toBeNull();
    expect(body.acm_import).toMatch(/^skipped/);
    expect(body.key_algorithm).toBe(algorithm);
    // openssl x509 -pubkey == openssl req -pubkey: the CSR's key, not one the service made.
    expect(certificatePublicKey(body.certificate)).toBe(csrPublicKey(csrPem));
    const text = opensslText(body.certificate);
    expect(text).toContain(`DNS:${fqdn}`);
    expect(text).toContain("DNS:mqtt.dev.example.com");

    const verdict = opensslVerify({
      trusted: rootPem,
      untrusted: body.certificate_chain,
      certificate: body.certificate,
      purpose: "sslserver",
    });
    expect(verdict.output).toContain("OK");
    expect(verdict.ok).toBe(true);

    // The detail view says so too, and never holds a key.
    const details = await api.get(`/certificates/server/${body.serial_number}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({ from_csr: true, status: "valid", certificate: body.certificate });
    expect(details.body).not.toHaveProperty("private_key");
    expect(details.body).not.toHaveProperty("acm_certificate_arn");
    const stored = storeFiles(api.storeDirectory).filter((file) => file.startsWith(body.s3_folder));
    expect(stored.map((file) => file.slice(body.s3_folder.length))).toEqual([
      "certificate.json",
      "certificate.pem",
      "certificate_chain.pem",
    ]);
  });
});

describe("POST /certificates/device with a CSR", () => {
  it.each(ALGORITHMS)("%s: certifies the CSR's key, returns no key, verifies as a TLS client", async (algorithm) => {
    const deviceId = `sensor-${algorithm.toLowerCase()}`;
    const { csrPem } = makeKeyAndCsr({
      keyAlgorithm: algorithm,
      commonName: deviceId,
      subjectAltNames: [`URI:urn:dev:ops:${deviceId}`],
    });
    const body = await postExpect(
      api,
      "/certificates/device",
      { device_id: deviceId, issuer: "devices", subject_alt_names: [`urn:dev:ops:${deviceId}`], csr: csrPem },
      201,
    );

    expect(body).not.toHaveProperty("private_key");
    expect(body).toMatchObject({ device_id: deviceId, key_algorithm: algorithm, issuer: "devices" });
    expect(certificatePublicKey(body.certificate)).toBe(csrPublicKey(csrPem));
    const verdict = opensslVerify({
      trusted: rootPem,
      untrusted: body.certificate_chain,
      certificate: body.certificate,
      purpose: "sslclient",
    });
    expect(verdict.output).toContain("OK");
    expect(verdict.ok).toBe(true);
    expect(storeFiles(api.storeDirectory).filter((file) => file.startsWith(body.s3_folder))).not.toContain(
      `${body.s3_folder}private_key.pem`,
    );
  });

  it("takes the device id from the CSR's CN when the request gives none", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "gateway-from-csr" });
    const body = await postExpect(api, "/certificates/device", { issuer: "devices", csr: csrPem }, 201);
    expect(body.device_id).toBe("gateway-from-csr");
    expect(opensslText(body.certificate)).toMatch(/Subject:.*CN ?= ?gateway-from-csr/);
  });
});

describe("refused CSRs: 400 naming the field, nothing written to the store", () => {
  const good = () => makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "broker.dev.example.com" }).csrPem;

  async function expectRefused(path: string, body: Record<string, unknown>, field: string): Promise<any> {
    const before = storeFiles(api.storeDirectory);
    const problem = expectProblem(await api.post(path, body), 400, field);
    expect(storeFiles(api.storeDirectory)).toEqual(before);
    return problem;
  }

  it("a CSR whose signature was tampered with (one bit of the signature flipped)", async () => {
    const tampered = tamperSignature(good());
    expect(csrSignatureVerifies(tampered)).toBe(false);
    const server = await expectRefused(
      "/certificates/server",
      { fqdn: "broker.dev.example.com", issuer: "servers", csr: tampered },
      "csr",
    );
    expect(server.detail).toMatch(/signature/);
    const device = tamperSignature(makeKeyAndCsr({ keyAlgorithm: "Ed25519", commonName: "sensor-x" }).csrPem);
    await expectRefused("/certificates/device", { device_id: "sensor-x", issuer: "devices", csr: device }, "csr");
  });

  it("a CSR asking for a SAN the request does not name", async () => {
    const { csrPem } = makeKeyAndCsr({
      keyAlgorithm: "EC-P256",
      commonName: "broker.dev.example.com",
      subjectAltNames: ["DNS:broker.dev.example.com", "DNS:bank.example.com"],
    });
    const problem = await expectRefused(
      "/certificates/server",
      { fqdn: "broker.dev.example.com", issuer: "servers", csr: csrPem },
      "csr",
    );
    expect(problem.detail).toContain("bank.example.com");
    const device = makeKeyAndCsr({
      keyAlgorithm: "EC-P256",
      commonName: "sensor-e",
      subjectAltNames: ["URI:urn:dev:ops:someone-else"],
    }).csrPem;
    await expectRefused("/certificates/device", { device_id: "sensor-e", issuer: "devices", csr: device }, "csr");
  });

  it("a CSR asking for a CN the request does not name", async () => {
    const { csrPem } = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "bank.example.com" });
    await expectRefused(
      "/certificates/server",
      { fqdn: "broker.dev.example.com", issuer: "servers", csr: csrPem },
      "csr",
    );
    const device = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-a" }).csrPem;
    await expectRefused("/certificates/device", { device_id: "sensor-b", issuer: "devices", csr: device }, "csr");
  });

  // DER has an extension's `critical` (BOOLEAN DEFAULT FALSE) absent or 01 01 ff; the CSRs are re-signed with
  // their own key, so the encoding alone is at fault.
  it("an extension whose critical flag is a BOOLEAN of length 0 (01 00) or 2 (01 02 ff ff)", async () => {
    const fqdn = "broker.dev.example.com";
    const server = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: fqdn });
    const withSan = (critical: string) =>
      csrWithExtensions(server.csrPem, server.keyPem, [
        extensionDer(SUBJECT_ALT_NAME_EXTN_ID, critical, dnsNamesDer(fqdn)),
      ]);
    const device = makeKeyAndCsr({ keyAlgorithm: "Ed25519", commonName: "sensor-critical" });
    const withBasicConstraints = (critical: string) =>
      csrWithExtensions(device.csrPem, device.keyPem, [
        extensionDer(BASIC_CONSTRAINTS_EXTN_ID, critical, new Uint8Array([0x30, 0x00])),
      ]);

    for (const critical of ["0100", "0102ffff"]) {
      const serverProblem = await expectRefused(
        "/certificates/server",
        { fqdn, issuer: "servers", csr: withSan(critical) },
        "csr",
      );
      expect(serverProblem.detail).toBe("csr is not a PEM PKCS#10 certificate request");
      const deviceProblem = await expectRefused(
        "/certificates/device",
        { device_id: "sensor-critical", issuer: "devices", csr: withBasicConstraints(critical) },
        "csr",
      );
      expect(deviceProblem.detail).toBe("csr is not a PEM PKCS#10 certificate request");
    }

    // The same CSRs with the flag in DER are certified: the flag was all that was wrong.
    const certified = await postExpect(
      api,
      "/certificates/server",
      { fqdn, issuer: "servers", csr: withSan("0101ff") },
      201,
    );
    expect(certificatePublicKey(certified.certificate)).toBe(csrPublicKey(server.csrPem));
    await postExpect(
      api,
      "/certificates/device",
      { device_id: "sensor-critical", issuer: "devices", csr: withBasicConstraints("0101ff") },
      201,
    );
  });

  it("garbage PEM, with and without CSR armour", async () => {
    const armoured = "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n";
    await expectRefused("/certificates/server", { fqdn: "broker.dev.example.com", csr: armoured }, "csr");
    await expectRefused("/certificates/device", { csr: armoured }, "csr");
    await expectRefused("/certificates/device", { csr: "garbage" }, "csr");
    // A certificate is not a certificate request.
    await expectRefused("/certificates/device", { csr: rootPem }, "csr");
  });

  // The service names `key_algorithm` (and tells the caller to omit it with a CSR): that field is the one at fault.
  it("key_algorithm that does not match the CSR's key", async () => {
    const problem = await expectRefused(
      "/certificates/server",
      { fqdn: "broker.dev.example.com", issuer: "servers", csr: good(), key_algorithm: "RSA-2048" },
      "key_algorithm",
    );
    expect(problem.detail).toMatch(/CSR/);
    const device = makeKeyAndCsr({ keyAlgorithm: "Ed25519", commonName: "sensor-c" }).csrPem;
    await expectRefused(
      "/certificates/device",
      { issuer: "devices", csr: device, key_algorithm: "EC-P256" },
      "key_algorithm",
    );
  });

  // `format: "pkcs12"` needs a key the service generated: the field at fault is `format`.
  it('format "pkcs12" with a CSR', async () => {
    const problem = await expectRefused(
      "/certificates/server",
      {
        fqdn: "broker.dev.example.com",
        issuer: "servers",
        csr: good(),
        format: "pkcs12",
        pkcs12_password: "changeit",
      },
      "format",
    );
    expect(problem.detail).toMatch(/CSR/);
    const device = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "sensor-d" }).csrPem;
    await expectRefused(
      "/certificates/device",
      { issuer: "devices", csr: device, format: "pkcs12", pkcs12_password: "changeit" },
      "format",
    );
  });
});
