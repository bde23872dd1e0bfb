/**
 * The command-line checks a curl user runs on what the API returns: keys and
 * CSRs made with `openssl req -new`, public keys compared with
 * `openssl x509 -pubkey` / `openssl req -pubkey`, CRLs read with
 * `openssl crl`, PKCS#12 bundles read with `openssl pkcs12` and `keytool`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "../temporary-directory.js";

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with files written to a temporary directory first (name → content). */
export function runWithFiles(
  command: string,
  args: (files: Record<string, string>) => string[],
  files: Record<string, string | Uint8Array> = {},
  input?: string,
): CommandResult {
  const dir = temporaryDirectory("iot-certs-api-tools-");
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir.path, name);
      writeFileSync(path, content);
      paths[name] = path;
    }
    paths.dir = dir.path;
    const result = spawnSync(command, args(paths), { encoding: "utf8", input });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    dir.remove();
  }
}

function ok(result: CommandResult, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Key algorithms a device or broker may hold its own key in. */
export type CsrKeyAlgorithm = "RSA-2048" | "EC-P256" | "Ed25519";

const NEW_KEY_ARGS: Record<CsrKeyAlgorithm, string[]> = {
  "RSA-2048": ["-newkey", "rsa:2048"],
  "EC-P256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
  Ed25519: ["-newkey", "ed25519"],
};

/**
 * `openssl req -new -newkey … -nodes -subj /CN=<cn> [-addext subjectAltName=…]`:
 * a fresh key and a CSR for it, as a device would make them.
 */
export function makeKeyAndCsr(options: {
  keyAlgorithm: CsrKeyAlgorithm;
  commonName?: string;
  /** OpenSSL SAN syntax, e.g. `DNS:broker.example.com`, `URI:urn:dev:1`. */
  subjectAltNames?: string[];
}): { keyPem: string; csrPem: string } {
  const dir = temporaryDirectory("iot-certs-csr-");
  try {
    const keyPath = join(dir.path, "device.key");
    const args = [
      "req",
      "-new",
      "-nodes",
      ...NEW_KEY_ARGS[options.keyAlgorithm],
      "-keyout",
      keyPath,
      "-subj",
      options.commonName === undefined ? "/O=Acme IoT" : `/O=Acme IoT/CN=${options.commonName}`,
    ];
    if (options.subjectAltNames?.length) args.push("-addext", `subjectAltName=${options.subjectAltNames.join(",")}`);
    const result = spawnSync("openssl", args, { encoding: "utf8" });
    if (result.error) throw result.error;
    const csrPem = ok({ status: result.status, stdout: result.stdout, stderr: result.stderr }, "openssl req -new");
    return { keyPem: readFileSync(keyPath, "utf8"), csrPem };
  } finally {
    dir.remove();
  }
}

/** DER bytes of the first PEM block in `pem`. */
export function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN [^-]+-----([\s\S]+?)-----END [^-]+-----/.exec(pem);
  if (!match?.[1]) throw new Error("no PEM block");
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}

/** PEM armour around DER bytes. */
export function derToPem(der: Uint8Array, label: string): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The same CSR with one bit of its signature flipped (the signature is the
 * last field of the DER): it still parses, but no longer proves possession of
 * the key. `openssl req -verify` refuses it too.
 */
export function tamperSignature(csrPem: string): string {
  const der = pemToDer(csrPem);
  der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
  return derToPem(der, "CERTIFICATE REQUEST");
}

/**
 * `openssl req -verify -noout`: true when the CSR's self-signature verifies.
 * OpenSSL 3.0 exits 0 either way, so its message decides.
 */
export function csrSignatureVerifies(csrPem: string): boolean {
  const result = runWithFiles("openssl", (f) => ["req", "-verify", "-noout", "-in", f["csr.pem"] as string], {
    "csr.pem": csrPem,
  });
  const output = `${result.stdout}${result.stderr}`;
  return result.status === 0 && /verify OK/.test(output) && !/failure/.test(output);
}

/** `openssl x509 -pubkey -noout`: the certificate's public key, PEM. */
export function certificatePublicKey(certificatePem: string): string {
  return ok(
    runWithFiles("openssl", (f) => ["x509", "-pubkey", "-noout", "-in", f["c.pem"] as string], {
      "c.pem": certificatePem,
    }),
    "openssl x509 -pubkey",
  );
}

/** `openssl req -pubkey -noout`: the CSR's public key, PEM. */
export function csrPublicKey(csrPem: string): string {
  return ok(
    runWithFiles("openssl", (f) => ["req", "-pubkey", "-noout", "-in", f["r.pem"] as string], { "r.pem": csrPem }),
    "openssl req -pubkey",
  );
}

/** `openssl x509 -noout -ext <name>`: one extension, as openssl prints it. */
export function certificateExtension(certificatePem: string, extension: string): string {
  return ok(
    runWithFiles("openssl", (f) => ["x509", "-noout", "-ext", extension, "-in", f["c.pem"] as string], {
      "c.pem": certificatePem,
    }),
    `openssl x509 -ext ${extension}`,
  );
}

/** `openssl crl -inform DER -noout -text`. */
export function crlText(der: Uint8Array): string {
  return ok(
    runWithFiles("openssl", (f) => ["crl", "-inform", "DER", "-in", f["crl.der"] as string, "-noout", "-text"], {
      "crl.der": der,
    }),
    "openssl crl -text",
  );
}

/** `openssl crl -in crl.pem -noout -text` on a PEM CRL: whether openssl can read it at all. */
export function readPemCrl(pem: string): { ok: boolean; output: string } {
  const result = runWithFiles("openssl", (f) => ["crl", "-in", f["crl.pem"] as string, "-noout", "-text"], {
    "crl.pem": pem,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** `openssl crl -inform DER -out crl.pem`: the CRL as PEM. */
export function crlDerToPem(der: Uint8Array): string {
  return ok(
    runWithFiles("openssl", (f) => ["crl", "-inform", "DER", "-in", f["crl.der"] as string], { "crl.der": der }),
    "openssl crl",
  );
}

/** `openssl crl -inform DER -CAfile <issuer chain> -noout`: verifies the CRL's signature. */
export function verifyCrlSignature(der: Uint8Array, issuerChainPem: string): { ok: boolean; output: string } {
  const result = runWithFiles(
    "openssl",
    (f) => ["crl", "-inform", "DER", "-in", f["crl.der"] as string, "-CAfile", f["ca.pem"] as string, "-noout"],
    { "crl.der": der, "ca.pem": issuerChainPem },
  );
  const output = `${result.stdout}${result.stderr}`;
  return { ok: result.status === 0 && /verify OK/.test(output), output };
}

/** Serial numbers in `openssl crl -text` output ("Serial Number: 5D28…"), lower-case. */
export function revokedSerials(crlTextOutput: string): string[] {
  return [...crlTextOutput.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((match) => (match[1] as string).toLowerCase());
}

/** `openssl pkcs12 -info -nokeys -passin pass:<password>`: the certificates (PEM) it prints. */
export function pkcs12Certificates(bundle: Uint8Array, password: string): { status: number | null; output: string } {
  const result = runWithFiles(
    "openssl",
    (f) => ["pkcs12", "-info", "-nokeys", "-in", f["bundle.p12"] as string, "-passin", `pass:${password}`],
    { "bundle.p12": bundle },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export const KEYTOOL = "/usr/bin/keytool";

/** `keytool -list -v -storetype PKCS12 -keystore bundle.p12 -storepass <password>`. */
export function keytoolList(bundle: Uint8Array, password: string): { status: number | null; output: string } {
  if (!existsSync(KEYTOOL)) {
    throw new Error(`${KEYTOOL} is missing: install a JDK (apt-get install openjdk-17-jre-headless) to run this test`);
  }
  const result = runWithFiles(
    KEYTOOL,
    (f) => ["-list", "-v", "-storetype", "PKCS12", "-keystore", f["bundle.p12"] as string, "-storepass", password],
    { "bundle.p12": bundle },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
