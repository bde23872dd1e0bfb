/**
 * Issue 4, revocation and CRLs, as a relying party checks them with openssl:
 * revoking a device re-signs its intermediate's CRL (DER at /crl/…, PEM on
 * request), which lists the serial with its reason and is signed by that
 * intermediate; `openssl verify -crl_check` then refuses the revoked device
 * and still accepts the others. Revoking an intermediate lands in the root's
 * CRL, and `-crl_check_all` refuses its leaves. With PUBLIC_BASE_URL set,
 * certificates carry a CRL Distribution Point that serves the CRL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHierarchy, expectProblem, getBytes, postExpect, unknownSerial } from "../../support/api/api-client.js";
import {
  certificateExtension,
  crlDerToPem,
  crlText,
  readPemCrl,
  revokedSerials,
  verifyCrlSignature,
} from "../../support/api/openssl-tools.js";
import { freePort } from "../../support/free-port.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslVerify } from "../../support/openssl.js";

let api: LocalApi;
let baseUrl: string;
let root: any;
let intermediates: Record<string, any>;
/** Device to revoke, device left valid, device under the intermediate that gets revoked, a server. */
let revokedDevice: any;
let validDevice: any;
let doomedLeaf: any;
let server: any;

async function crl(kind: "root" | "intermediate", name: string): Promise<{ der: Buffer; pem: string; text: string }> {
  const response = await getBytes(baseUrl, `/crl/${kind}/${name}`);
  expect(response.status).toBe(200);
  expect(response.contentType).toBe("application/pkix-crl");
  return { der: response.bytes, pem: crlDerToPem(response.bytes), text: crlText(response.bytes) };
}

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  api = await startLocalApi({ PORT: String(port), PUBLIC_BASE_URL: baseUrl });
  expect(api.baseUrl).toBe(baseUrl);
  ({ root, intermediates } = await createHierarchy(api, ["servers", "devices", "doomed"]));
  const device = { issuer: "devices", key_algorithm: "EC-P256" };
  revokedDevice = await postExpect(api, "/certificates/device", { ...device, device_id: "stolen-sensor" }, 201);
  validDevice = await postExpect(api, "/certificates/device", { ...device, device_id: "good-sensor" }, 201);
  doomedLeaf = await postExpect(
    api,
    "/certificates/device",
    { issuer: "doomed", key_algorithm: "EC-P256", device_id: "orphan" },
    201,
  );
  server = await postExpect(
    api,
    "/certificates/server",
    { fqdn: "broker.dev.example.com", issuer: "servers", key_algorithm: "EC-P256" },
    201,
  );
});

afterAll(async () => {
  await api?.stop();
});

describe("CRL Distribution Points (PUBLIC_BASE_URL set)", () => {
  it("leaves and intermediates point at their issuer's CRL under the base URL, and that URL serves it", async () => {
    const expectations: [any, string][] = [
      [revokedDevice, `${baseUrl}/crl/intermediate/devices`],
      [doomedLeaf, `${baseUrl}/crl/intermediate/doomed`],
      [server, `${baseUrl}/crl/intermediate/servers`],
      [intermediates.devices, `${baseUrl}/crl/root/default`],
    ];
    for (const [certificate, url] of expectations) {
      const extension = certificateExtension(certificate.certificate, "crlDistributionPoints");
      expect(extension).toContain("X509v3 CRL Distribution Points");
      const uris = [...extension.matchAll(/URI:(\S+)/g)].map((match) => match[1]);
      expect(uris).toEqual([url]);
      const served = await fetch(url as string);
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe("application/pkix-crl");
      const text = crlText(Buffer.from(await served.arrayBuffer()));
      expect(text).toContain("Certificate Revocation List");
    }
    // The root has no issuer, so no distribution point.
    expect(certificateExtension(root.certificate, "crlDistributionPoints")).not.toContain("URI:");
  });
});

describe("revoking a device", () => {
  it("answers 200 with the reason, then 409 when revoked again", async () => {
    const path = `/certificates/device/${revokedDevice.serial_number}/revoke`;
    const body = await postExpect(api, path, { reason: "keyCompromise" }, 200);
    expect(body).toMatchObject({
      kind: "device",
      device_id: "stolen-sensor",
      serial_number: revokedDevice.serial_number,
      status: "revoked",
      revocation_reason: "keyCompromise",
      revoked_at: expect.any(String),
      crl_path: "/crl/intermediate/devices",
    });
    const again = expectProblem(await api.post(path, { reason: "superseded" }), 409);
    expect(again.detail).toContain("already revoked");
    expectProblem(await api.post(path, {}), 409);

    const details = await api.get(`/certificates/device/${revokedDevice.serial_number}`);
    expect(details.body).toMatchObject({ status: "revoked", revocation_reason: "keyCompromise" });
  });

  it("the intermediate's CRL (DER) lists the serial with Key Compromise and is signed by the intermediate", async () => {
    const { der, text } = await crl("intermediate", "devices");
    expect(text).toMatch(/Issuer: .*CN ?= ?devices Intermediate CA/);
    expect(text).toContain("X509v3 CRL Number");
    expect(text).toContain("X509v3 Authority Key Identifier");
    expect(revokedSerials(text)).toEqual([revokedDevice.serial_number]);
    expect(text).toMatch(
      new RegExp(`Serial Number: ${revokedDevice.serial_number.toUpperCase()}[\\s\\S]*?Key Compromise`),
    );

    const signed = verifyCrlSignature(der, intermediates.devices.certificate_chain);
    expect(signed.output).toContain("verify OK");
    expect(signed.ok).toBe(true);
    // Not by any other CA of the hierarchy.
    expect(verifyCrlSignature(der, intermediates.servers.certificate_chain).ok).toBe(false);
  });

  it("?format=pem and Accept: application/x-pem-file give the same CRL as PEM, which openssl reads", async () => {
    const { der } = await crl("intermediate", "devices");
    const base64Of = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, "");
    const byQuery = await api.get("/crl/intermediate/devices?format=pem");
    expect(byQuery.status).toBe(200);
    expect(byQuery.headers.get("content-type")).toBe("application/x-pem-file");
    expect(base64Of(byQuery.body)).toBe(der.toString("base64"));
    const byAccept = await api.get("/crl/intermediate/devices", { accept: "application/x-pem-file" });
    expect(byAccept.headers.get("content-type")).toBe("application/x-pem-file");
    expect(base64Of(byAccept.body)).toBe(der.toString("base64"));
    expectProblem(await api.get("/crl/intermediate/devices?format=xml"), 400, "format");
    expectProblem(await api.get("/crl/intermediate/nowhere"), 404);

    // RFC 7468 labels a CRL "X509 CRL"; it is the only label openssl (and so mosquitto's crlfile,
    // nginx's ssl_crl, Python's load_verify_locations) reads.
    expect(byQuery.body).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const read = readPemCrl(byQuery.body);
    expect(read.output).toContain("Certificate Revocation List");
    expect(read.ok).toBe(true);
  });

  it("openssl verify -crl_check refuses the revoked device and accepts an unrevoked one", async () => {
    const { pem } = await crl("intermediate", "devices");
    const check = (certificate: string) =>
      opensslVerify({
        trusted: `${root.certificate}${pem}`,
        untrusted: intermediates.devices.certificate,
        certificate,
        purpose: "sslclient",
        extraArgs: ["-crl_check"],
      });
    const refused = check(revokedDevice.certificate);
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain("certificate revoked");
    const accepted = check(validDevice.certificate);
    expect(accepted.output).toContain("OK");
    expect(accepted.ok).toBe(true);
  });
});

describe("revoking an intermediate", () => {
  const verifyOrphan = async () => {
    const rootCrl = await crl("root", "default");
    const doomedCrl = await crl("intermediate", "doomed");
    return opensslVerify({
      trusted: `${root.certificate}${rootCrl.pem}${doomedCrl.pem}`,
      untrusted: intermediates.doomed.certificate,
      certificate: doomedLeaf.certificate,
      purpose: "sslclient",
      extraArgs: ["-crl_check_all"],
    });
  };

  it("updates the root's CRL, and -crl_check_all then refuses the intermediate's leaves", async () => {
    const before = await verifyOrphan();
    expect(before.output).toContain("OK");
    expect(before.ok).toBe(true);

    const body = await postExpect(api, "/certificates/intermediate/doomed/revoke", { reason: "cACompromise" }, 200);
    expect(body).toMatchObject({
      kind: "intermediate",
      name: "doomed",
      status: "revoked",
      crl_path: "/crl/root/default",
    });
    expectProblem(await api.post("/certificates/intermediate/doomed/revoke", {}), 409);

    const rootCrl = await crl("root", "default");
    expect(revokedSerials(rootCrl.text)).toEqual([intermediates.doomed.serial_number]);
    expect(rootCrl.text).toContain("CA Compromise");
    expect(verifyCrlSignature(rootCrl.der, root.certificate).ok).toBe(true);

    const after = await verifyOrphan();
    expect(after.ok).toBe(false);
    expect(after.output).toContain("certificate revoked");

    // Leaves of the other intermediates still verify with every CRL checked.
    const devicesCrl = await crl("intermediate", "devices");
    const sibling = opensslVerify({
      trusted: `${root.certificate}${rootCrl.pem}${devicesCrl.pem}`,
      untrusted: intermediates.devices.certificate,
      certificate: validDevice.certificate,
      purpose: "sslclient",
      extraArgs: ["-crl_check_all"],
    });
    expect(sibling.ok).toBe(true);

    const listed = await api.get("/certificates/intermediate?status=revoked");
    expect(listed.body.items.map((item: any) => item.id)).toEqual(["doomed"]);
  });
});

describe("refusals", () => {
  it("a root cannot be revoked: 400", async () => {
    const problem = expectProblem(
      await api.post("/certificates/root/default/revoke", { reason: "keyCompromise" }),
      400,
    );
    expect(problem.detail).toMatch(/root/i);
    expect((await api.get("/certificates/root/default")).body.status).toBe("valid");
  });

  it("unknown and malformed serials, unknown reasons, cACompromise on a leaf", async () => {
    expectProblem(await api.post(`/certificates/device/${unknownSerial()}/revoke`, {}), 404);
    expectProblem(await api.post("/certificates/device/xyz/revoke", {}), 400, "serial_number");
    expectProblem(await api.post("/certificates/intermediate/nope/revoke", {}), 404);
    expectProblem(
      await api.post(`/certificates/device/${validDevice.serial_number}/revoke`, { reason: "lostIt" }),
      400,
      "reason",
    );
    expectProblem(
      await api.post(`/certificates/device/${validDevice.serial_number}/revoke`, { reason: "cACompromise" }),
      400,
      "reason",
    );
    expectProblem(
      await api.post(`/certificates/device/${validDevice.serial_number}/revoke`, { reason: "keyCompromise", x: 1 }),
      400,
      "x",
    );
    expect((await api.get(`/certificates/device/${validDevice.serial_number}`)).body.status).toBe("valid");
  });

  it("revoking a server certificate lands in the servers CRL", async () => {
    await postExpect(api, `/certificates/server/${server.serial_number}/revoke`, { reason: "superseded" }, 200);
    const { text } = await crl("intermediate", "servers");
    expect(revokedSerials(text)).toEqual([server.serial_number]);
    expect(text).toContain("Superseded");
  });
});
