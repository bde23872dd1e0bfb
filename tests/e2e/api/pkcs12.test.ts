/**
 * Issue 4, PKCS#12 output: `format: "pkcs12"` with `pkcs12_password` returns
 * the generated key, certificate and chain as one password-protected bundle
 * (base64 `pkcs12`, no `private_key`), which OpenSSL 3 reads without
 * `-legacy` and Java's keytool lists as a PrivateKeyEntry.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHierarchy, expectProblem, storeFiles } from "../../support/api/api-client.js";
import {
  certificatePublicKey,
  KEYTOOL,
  keytoolList,
  pkcs12Certificates,
  runWithFiles,
} from "../../support/api/openssl-tools.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { splitPemChain } from "../../support/openssl.js";

const PASSWORD = "changeit";

let api: LocalApi;
let root: any;
let intermediates: Record<string, any>;

beforeAll(async () => {
  api = await startLocalApi();
  ({ root, intermediates } = await createHierarchy(api));
});

afterAll(async () => {
  await api?.stop();
});

/** The private key inside the bundle, as its public half (to match it against the certificate). */
function bundlePublicKey(bundle: Buffer, password: string): string {
  const keys = runWithFiles(
    "openssl",
    (f) => ["pkcs12", "-in", f["b.p12"] as string, "-nocerts", "-nodes", "-passin", `pass:${password}`],
    { "b.p12": bundle },
  );
  if (keys.status !== 0) throw new Error(keys.stderr);
  const pub = runWithFiles("openssl", (f) => ["pkey", "-in", f["k.pem"] as string, "-pubout"], {
    "k.pem": keys.stdout,
  });
  if (pub.status !== 0) throw new Error(pub.stderr);
  return pub.stdout;
}

const cases = [
  {
    kind: "server",
    path: "/certificates/server",
    body: { fqdn: "broker.dev.example.com", issuer: "servers", key_algorithm: "EC-P256" },
    alias: "broker.dev.example.com",
    intermediate: "servers",
  },
  {
    kind: "device",
    path: "/certificates/device",
    body: { device_id: "sensor-p12", issuer: "devices", key_algorithm: "EC-P256" },
    alias: "sensor-p12",
    intermediate: "devices",
  },
  {
    kind: "device (RSA-2048)",
    path: "/certificates/device",
    body: { device_id: "sensor-p12-rsa", issuer: "devices", key_algorithm: "RSA-2048" },
    alias: "sensor-p12-rsa",
    intermediate: "devices",
  },
] as const;

describe('format: "pkcs12"', () => {
  it("keytool is installed", () => {
    expect(existsSync(KEYTOOL), `${KEYTOOL} is missing: install a JDK (openjdk-17-jre-headless)`).toBe(true);
  });

  it.each(cases)("$kind: a bundle openssl reads (3 certificates) and keytool lists as a PrivateKeyEntry", async (c) => {
    const response = await api.post(c.path, { ...c.body, format: "pkcs12", pkcs12_password: PASSWORD });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).not.toHaveProperty("private_key");
    expect(response.body.pkcs12).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.stringify(response.body)).not.toContain("PRIVATE KEY");
    const bundle = Buffer.from(response.body.pkcs12, "base64");

    const info = pkcs12Certificates(bundle, PASSWORD);
    expect(info.status, info.output).toBe(0);
    expect(info.output).toContain("MAC: sha256");
    const certificates = splitPemChain(info.output);
    expect(certificates).toHaveLength(3);
    expect(certificates).toEqual(
      expect.arrayContaining([response.body.certificate, intermediates[c.intermediate].certificate, root.certificate]),
    );
    expect(bundlePublicKey(bundle, PASSWORD)).toBe(certificatePublicKey(response.body.certificate));

    const wrong = pkcs12Certificates(bundle, "wrong-password");
    expect(wrong.status).not.toBe(0);

    const listed = keytoolList(bundle, PASSWORD);
    expect(listed.status, listed.output).toBe(0);
    expect(listed.output).toContain("Your keystore contains 1 entry");
    expect(listed.output).toContain("Entry type: PrivateKeyEntry");
    expect(listed.output).toContain("Certificate chain length: 3");
    expect(listed.output.toLowerCase()).toContain(`alias name: ${c.alias}`.toLowerCase());
  });

  it("without pkcs12_password: 400 naming pkcs12_password, nothing stored", async () => {
    const before = storeFiles(api.storeDirectory);
    for (const c of cases.slice(0, 2)) {
      const problem = expectProblem(await api.post(c.path, { ...c.body, format: "pkcs12" }), 400, "pkcs12_password");
      expect(problem.detail).toContain("pkcs12_password");
    }
    expectProblem(
      await api.post("/certificates/device", { issuer: "devices", format: "pkcs12", pkcs12_password: "" }),
      400,
      "pkcs12_password",
    );
    expectProblem(
      await api.post("/certificates/device", { issuer: "devices", pkcs12_password: PASSWORD }),
      400,
      "pkcs12_password",
    );
    expectProblem(await api.post("/certificates/device", { issuer: "devices", format: "pfx" }), 400, "format");
    expect(storeFiles(api.storeDirectory)).toEqual(before);
  });
});
