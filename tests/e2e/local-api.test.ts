/**
 * The README's four curl calls, over HTTP against the local server started
 * the way `npm start` starts it, and the chain checked with `openssl verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../support/local-api.js";
import { opensslVerify, splitPemChain } from "../support/openssl.js";

describe("local API end to end", () => {
  let api: LocalApi;
  beforeAll(async () => {
    api = await startLocalApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  it("says where it stores certificates when it starts", () => {
    expect(api.output()).toContain("local store");
    expect(api.output()).toContain("POST  /certificates/root");
  });

  it("creates root → servers/devices intermediates → server and device certificates that openssl verifies", async () => {
    const subject = { country: "SE", state: "Skane", organization: "Acme IoT", validity_days: 3650 };
    const root = await api.post("/certificates/root", { ...subject, fqdn: "Acme Dev Root CA" });
    expect(root.status).toBe(201);
    expect(root.body.private_key).toBeUndefined();

    for (const name of ["servers", "devices"]) {
      const intermediate = await api.post("/certificates/intermediate", { ...subject, name, validity_days: 1825 });
      expect(intermediate.status).toBe(201);
      expect(intermediate.body.private_key).toBeUndefined();
      expect(splitPemChain(intermediate.body.certificate_chain)).toEqual([
        intermediate.body.certificate,
        root.body.certificate,
      ]);
    }

    const server = await api.post("/certificates/server", {
      ...subject,
      validity_days: 365,
      fqdn: "broker.dev.example.com",
      issuer: "servers",
    });
    expect(server.status).toBe(201);
    expect(server.body).toMatchObject({
      fqdn: "broker.dev.example.com",
      acm_certificate_arn: expect.stringMatching(/^arn:aws:acm:local:/),
      s3_folder: `server_certificates/broker.dev.example.com/${server.body.serial_number}/`,
      private_key: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
    });
    const serverVerdict = opensslVerify({
      trusted: root.body.certificate,
      untrusted: server.body.certificate_chain,
      certificate: server.body.certificate,
      purpose: "sslserver",
    });
    expect(serverVerdict.output).toContain("OK");
    expect(serverVerdict.ok).toBe(true);

    const device = await api.post("/certificates/device", { ...subject, validity_days: 365, issuer: "devices" });
    expect(device.status).toBe(201);
    expect(device.body.device_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      opensslVerify({
        trusted: root.body.certificate,
        untrusted: device.body.certificate_chain,
        certificate: device.body.certificate,
        purpose: "sslclient",
      }).ok,
    ).toBe(true);

    const bundle = await api.get("/certificates/intermediate/devices", { accept: "application/x-pem-file" });
    expect(bundle.status).toBe(200);
    expect(bundle.body).toBe(device.body.certificate_chain);
  });
});
