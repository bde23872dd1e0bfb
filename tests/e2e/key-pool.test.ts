/**
 * The local server's key pool end to end (`npm start` keeps RSA leaf keys
 * ready, KEY_POOL_SIZE): RSA-2048 server certificates issued faster than a
 * pool of 2 can refill are all accepted by openssl, each carries the public
 * key of the private key returned with it, and no two share a key; a bad
 * KEY_POOL_SIZE stops the server at start with a message naming it.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../support/local-api.js";
import { opensslVerify, splitPemChain } from "../support/openssl.js";

describe("local server with a key pool", () => {
  let api: LocalApi;
  beforeAll(async () => {
    api = await startLocalApi({ KEY_POOL_SIZE: "2" });
  });
  afterAll(async () => {
    await api.stop();
  });

  it("says so when it starts", () => {
    expect(api.output()).toContain("2 RSA leaf keys kept ready per size");
  });

  it("issues RSA-2048 server certificates, each with its own key, that openssl verifies", async () => {
    expect((await api.post("/certificates/root", { key_algorithm: "EC-P256" })).status).toBe(201);
    const intermediate = await api.post("/certificates/intermediate", { name: "servers", key_algorithm: "EC-P256" });
    expect(intermediate.status).toBe(201);
    const root = splitPemChain(intermediate.body.certificate_chain)[1] as string;

    // Six at once: more than the pool holds, so some keys come from it and some are made on demand.
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api.post("/certificates/server", { fqdn: `broker-${i}.dev.example.com`, issuer: "servers" }),
      ),
    );
    const publicKeys = new Set<string>();
    for (const response of responses) {
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      const certificate = new X509Certificate(response.body.certificate);
      const fromPrivateKey = createPublicKey(createPrivateKey(response.body.private_key))
        .export({ type: "spki", format: "der" })
        .toString("base64");
      const inCertificate = certificate.publicKey.export({ type: "spki", format: "der" }).toString("base64");
      expect(inCertificate).toBe(fromPrivateKey);
      expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      publicKeys.add(inCertificate);
      const verified = opensslVerify({
        trusted: root,
        untrusted: intermediate.body.certificate,
        certificate: response.body.certificate,
        purpose: "sslserver",
      });
      expect(verified.ok, verified.output).toBe(true);
    }
    expect(publicKeys.size).toBe(6);
  });
});

describe("KEY_POOL_SIZE", () => {
  it.each(["-1", "65", "four"])("refuses %s at start, naming the variable", async (value) => {
    await expect(startLocalApi({ KEY_POOL_SIZE: value })).rejects.toThrow(
      /KEY_POOL_SIZE must be a whole number from 0/,
    );
  });
});
