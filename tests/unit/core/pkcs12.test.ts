/**
 * PKCS#12 bundles as their users read them: the system `openssl` 3 (no
 * `-legacy`), Node's own OpenSSL (`tls.createSecureContext`) and Java 17's
 * `keytool`, for every leaf key algorithm the service issues.
 *
 * Findings with Java 17 (OpenJDK 17.0.15): it reads these bundles (PBES2 +
 * AES-256-CBC, HMAC-SHA256 MAC) for RSA, EC P-256/P-384 and Ed25519 keys alike:
 * `keytool -list` shows the PrivateKeyEntry with its chain and `keytool
 * -certreq` decrypts and signs with the key, Ed25519 included. Java's PKCS12
 * KeyStore refuses any non-ASCII password ("keystore password was incorrect"),
 * also for bundles OpenSSL writes, so the non-ASCII password case is checked
 * with OpenSSL and Node only.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import type { KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { encodePkcs12, PKCS12_ITERATIONS } from "../../../src/core/pkcs12.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { splitPemChain } from "../../support/openssl.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const PASSWORD = "correct horse battery staple";
const MODERN_PBE = `PBES2, PBKDF2, AES-256-CBC, Iteration ${PKCS12_ITERATIONS}, PRF hmacWithSHA256`;

let hierarchy: TestHierarchy;
let dir: { path: string; remove: () => void };

afterAll(() => {
  hierarchy?.remove();
  dir?.remove();
});

type RunResult = { status: number | null; stdout: string; stderr: string; output: string };

function missing(command: string): Error {
  return new Error(
    command === "keytool"
      ? "keytool not found on PATH: these tests need a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
      : `${command} not found on PATH`,
  );
}

function run(command: string, args: string[], input?: string): RunResult {
  const result = spawnSync(command, args, { encoding: "utf8", input });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw missing(command);
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: result.stdout + result.stderr };
}

/** `run` in the background: each JVM takes a second or more to start, so the Java checks start together. */
function runInBackground(command: string, args: string[]): Promise<RunResult | Error> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: "utf8" }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === "ENOENT") resolve(missing(command));
      else resolve({ status: typeof code === "number" ? code : 0, stdout, stderr, output: stdout + stderr });
    });
  });
}

async function settled(pending: Promise<RunResult | Error> | undefined): Promise<RunResult> {
  const result = await pending;
  if (result === undefined) throw new Error("the check was not started");
  if (result instanceof Error) throw result;
  return result;
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  return path;
}

/** The PEM SubjectPublicKeyInfo `openssl` prints for a private key, a certificate or a CSR. */
function publicKey(pem: string, kind: "key" | "certificate" | "csr"): string {
  const args = {
    key: ["pkey", "-pubout"],
    certificate: ["x509", "-pubkey", "-noout"],
    csr: ["req", "-pubkey", "-noout"],
  };
  const result = run("openssl", args[kind], pem);
  expect(result.status, result.output).toBe(0);
  expect(result.stdout).toContain("-----BEGIN PUBLIC KEY-----");
  return result.stdout;
}

function fingerprints(pem: string): string[] {
  return splitPemChain(pem).map((certificate) => new X509Certificate(certificate).fingerprint256);
}

/** `localKeyID: A4 07 …` as `openssl pkcs12` prints it: the SHA-1 of the leaf. */
function opensslLocalKeyId(certificatePem: string): string {
  const digest = createHash("sha1").update(new X509Certificate(certificatePem).raw).digest("hex").toUpperCase();
  return digest.match(/../g)?.join(" ") ?? "";
}

const CASES: {
  keyAlgorithm: KeyAlgorithm;
  name: string;
  issue: (hierarchy: TestHierarchy, name: string) => Promise<IssuedCertificate>;
}[] = [
  {
    keyAlgorithm: "RSA-2048",
    name: "rsa.example.test",
    issue: (h, fqdn) => h.issueServer({ fqdn, keyAlgorithm: "RSA-2048" }),
  },
  {
    keyAlgorithm: "EC-P256",
    name: "device-ec-p256",
    issue: (h, deviceId) => h.issueDevice({ deviceId, keyAlgorithm: "EC-P256" }),
  },
  {
    keyAlgorithm: "EC-P384",
    name: "device-ec-p384",
    issue: (h, deviceId) => h.issueDevice({ deviceId, keyAlgorithm: "EC-P384" }),
  },
  {
    keyAlgorithm: "Ed25519",
    name: "device-ed25519",
    issue: (h, deviceId) => h.issueDevice({ deviceId, keyAlgorithm: "Ed25519" }),
  },
];

interface Prepared {
  issued: IssuedCertificate;
  bundle: Uint8Array;
  path: string;
  csrPath: string;
  keytoolList: Promise<RunResult | Error>;
  keytoolCertreq: Promise<RunResult | Error>;
}

const prepared = new Map<KeyAlgorithm, Prepared>();

beforeAll(async () => {
  hierarchy = await createTestHierarchy({ rootKeyAlgorithm: "EC-P384", intermediateKeyAlgorithm: "EC-P256" });
  dir = temporaryDirectory("iot-certs-pkcs12-");
  for (const { keyAlgorithm, name, issue } of CASES) {
    const issued = await issue(hierarchy, name);
    const bundle = await encodePkcs12({
      privateKeyPem: issued.privateKeyPem ?? "",
      certificatePem: issued.record.certificate,
      chainPem: issued.record.certificate_chain,
      password: PASSWORD,
      friendlyName: name,
    });
    const path = file(`${keyAlgorithm}.p12`, bundle);
    const csrPath = join(dir.path, `${keyAlgorithm}.csr`);
    const store = ["-storetype", "PKCS12", "-keystore", path, "-storepass", PASSWORD];
    prepared.set(keyAlgorithm, {
      issued,
      bundle,
      path,
      csrPath,
      keytoolList: runInBackground("keytool", ["-list", "-v", ...store]),
      keytoolCertreq: runInBackground("keytool", ["-certreq", ...store, "-alias", name, "-file", csrPath]),
    });
  }
});

describe.each(CASES)("encodePkcs12 with a $keyAlgorithm key", ({ keyAlgorithm, name }) => {
  let issued: IssuedCertificate;
  let bundle: Uint8Array;
  let path: string;
  let state: Prepared;

  beforeAll(() => {
    const found = prepared.get(keyAlgorithm);
    if (!found) throw new Error(`no bundle was prepared for ${keyAlgorithm}`);
    state = found;
    ({ issued, bundle, path } = found);
  });

  it("openssl pkcs12 -info lists the leaf then the chain, encrypted with PBES2/AES-256-CBC and a SHA-256 MAC", () => {
    const info = run("openssl", ["pkcs12", "-info", "-nokeys", "-passin", `pass:${PASSWORD}`, "-in", path]);
    expect(info.status, info.output).toBe(0);
    expect(fingerprints(info.stdout)).toEqual(
      fingerprints(`${issued.record.certificate}\n${issued.record.certificate_chain}`),
    );
    expect(fingerprints(info.stdout)).toHaveLength(3);
    expect(info.output).toContain(`MAC: sha256, Iteration ${PKCS12_ITERATIONS}`);
    expect(info.output).toContain(`PKCS7 Encrypted data: ${MODERN_PBE}`);
    expect(info.output).toContain(`Shrouded Keybag: ${MODERN_PBE}`);
    // The leaf's bag (first certificate) carries the pairing attributes; the CA bags none.
    const leafBag = info.stdout.slice(0, info.stdout.indexOf("-----END CERTIFICATE-----"));
    expect(leafBag).toContain(`friendlyName: ${name}`);
    expect(leafBag).toContain(`localKeyID: ${opensslLocalKeyId(issued.record.certificate)}`);
    expect(info.stdout.match(/friendlyName:/g)).toHaveLength(1);
  });

  it("openssl extracts a private key whose public key is the certificate's, paired by the same attributes", () => {
    const extracted = run("openssl", ["pkcs12", "-in", path, "-nocerts", "-nodes", "-passin", `pass:${PASSWORD}`]);
    expect(extracted.status, extracted.output).toBe(0);
    expect(extracted.stdout).toContain("-----BEGIN PRIVATE KEY-----");
    expect(extracted.stdout).toContain(`friendlyName: ${name}`);
    expect(extracted.stdout).toContain(`localKeyID: ${opensslLocalKeyId(issued.record.certificate)}`);
    expect(publicKey(extracted.stdout, "key")).toBe(publicKey(issued.record.certificate, "certificate"));
  });

  it("openssl refuses a wrong password", () => {
    const wrong = run("openssl", ["pkcs12", "-info", "-nokeys", "-passin", "pass:not the password", "-in", path]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/mac verify (failure|error)/i);
  });

  it("Node's OpenSSL 3 (no legacy provider) loads it for TLS, and only with the password", () => {
    expect(() => createSecureContext({ pfx: Buffer.from(bundle), passphrase: PASSWORD })).not.toThrow();
    expect(() => createSecureContext({ pfx: Buffer.from(bundle), passphrase: "not the password" })).toThrow(
      /mac verify failure/,
    );
  });

  it("Java's keytool lists one PrivateKeyEntry with a chain of length 3", async () => {
    const list = await settled(state.keytoolList);
    expect(list.status, list.output).toBe(0);
    expect(list.stdout).toContain("Your keystore contains 1 entry");
    expect(list.stdout.toLowerCase()).toContain(`alias name: ${name}`);
    expect(list.stdout.match(/Entry type: (\w+)/g)).toEqual(["Entry type: PrivateKeyEntry"]);
    expect(list.stdout).toContain("Certificate chain length: 3");
  });

  it("Java decrypts the key and signs with it (keytool -certreq)", async () => {
    const certreq = await settled(state.keytoolCertreq);
    expect(certreq.status, certreq.output).toBe(0);
    const verify = run("openssl", ["req", "-in", state.csrPath, "-verify", "-noout"]);
    expect(verify.status, verify.output).toBe(0);
    expect(publicKey(readFileSync(state.csrPath, "utf8"), "csr")).toBe(
      publicKey(issued.record.certificate, "certificate"),
    );
  });
});

describe("encodePkcs12 inputs", () => {
  let device: IssuedCertificate;

  beforeAll(async () => {
    device = await hierarchy.issueDevice({ deviceId: "device-inputs", keyAlgorithm: "EC-P256" });
  });

  const encode = (overrides: Partial<Parameters<typeof encodePkcs12>[0]> = {}) =>
    encodePkcs12({
      privateKeyPem: device.privateKeyPem ?? "",
      certificatePem: device.record.certificate,
      chainPem: device.record.certificate_chain,
      password: PASSWORD,
      ...overrides,
    });

  it("names the bundle after the leaf's common name when no friendly name is given", async () => {
    const path = file("default-name.p12", await encode());
    const info = run("openssl", ["pkcs12", "-info", "-nokeys", "-passin", `pass:${PASSWORD}`, "-in", path]);
    expect(info.status, info.output).toBe(0);
    expect(info.stdout).toContain("friendlyName: device-inputs");
  });

  it("holds only the leaf when the chain is empty", async () => {
    const path = file("no-chain.p12", await encode({ chainPem: "" }));
    const info = run("openssl", ["pkcs12", "-info", "-nokeys", "-passin", `pass:${PASSWORD}`, "-in", path]);
    expect(info.status, info.output).toBe(0);
    expect(fingerprints(info.stdout)).toEqual(fingerprints(device.record.certificate));
  });

  it("uses fresh salts: the same input never gives the same bytes", async () => {
    expect(Buffer.from(await encode()).equals(Buffer.from(await encode()))).toBe(false);
  });

  it("takes non-ASCII passwords as OpenSSL does (UTF-8 for PBES2, BMPString for the MAC)", async () => {
    const password = "pässwörd ✓ 🔑";
    const bundle = await encode({ password, friendlyName: "Gerät ✓" });
    const path = file("unicode.p12", bundle);
    const info = run("openssl", ["pkcs12", "-info", "-nodes", "-passin", `pass:${password}`, "-in", path]);
    expect(info.status, info.output).toBe(0);
    // OpenSSL prints BMPStrings byte-wise, so check the attribute in the (unencrypted) key bag's bytes instead.
    expect(Buffer.from(bundle).includes(Buffer.from("Gerät ✓", "utf16le").swap16())).toBe(true);
    expect(info.stdout).toContain("-----BEGIN PRIVATE KEY-----");
    expect(() => createSecureContext({ pfx: Buffer.from(bundle), passphrase: password })).not.toThrow();
  });

  it("refuses an empty password", async () => {
    await expect(encode({ password: "" })).rejects.toMatchObject({ name: "InvalidRequestError", field: "password" });
  });

  it("refuses a key that is not the certificate's", async () => {
    const other = await hierarchy.issueDevice({ deviceId: "device-other", keyAlgorithm: "EC-P256" });
    await expect(encode({ privateKeyPem: other.privateKeyPem ?? "" })).rejects.toThrow(/does not match/);
  });

  it("refuses input that is not PEM", async () => {
    await expect(encode({ privateKeyPem: "not a key" })).rejects.toThrow(/private key/);
    await expect(encode({ certificatePem: "" })).rejects.toThrow(/no PEM certificate/);
    await expect(encode({ chainPem: "garbage" })).rejects.toThrow(/no PEM certificate/);
  });
});
