/** `openssl` as users run it, on PEM strings written to temporary files. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "./temporary-directory.js";

export interface VerifyResult {
  ok: boolean;
  output: string;
}

/**
 * `openssl verify -x509_strict [-purpose …] -CAfile root -untrusted chain leaf`:
 * only `trusted` is a trust anchor; `untrusted` (intermediates) helps build the path.
 */
export function opensslVerify(options: {
  trusted: string;
  untrusted?: string;
  certificate: string;
  purpose?: "sslserver" | "sslclient";
  extraArgs?: string[];
}): VerifyResult {
  const dir = temporaryDirectory("iot-certs-verify-");
  try {
    const file = (name: string, content: string) => {
      const path = join(dir.path, name);
      writeFileSync(path, content);
      return path;
    };
    const args = ["verify", "-x509_strict", "-CAfile", file("trusted.pem", options.trusted)];
    if (options.untrusted) args.push("-untrusted", file("untrusted.pem", options.untrusted));
    if (options.purpose) args.push("-purpose", options.purpose);
    args.push(...(options.extraArgs ?? []), file("certificate.pem", options.certificate));
    const result = spawnSync("openssl", args, { encoding: "utf8" });
    const output = `${result.stdout}${result.stderr}`;
    return { ok: result.status === 0 && /: OK\s*$/.test(result.stdout), output };
  } finally {
    dir.remove();
  }
}

/** `openssl x509 -text -noout` of a PEM certificate. */
export function opensslText(certificate: string): string {
  const result = spawnSync("openssl", ["x509", "-text", "-noout"], { input: certificate, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl x509 failed: ${result.stderr}`);
  return result.stdout;
}

/** Splits a PEM bundle into its certificates. */
export function splitPemChain(pem: string): string[] {
  return (
    pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)?.map((part) => `${part.trim()}\n`) ??
    []
  );
}
