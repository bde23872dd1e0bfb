/**
 * Python 3.13 as a TLS client. Its `ssl.create_default_context()` turns on
 * VERIFY_X509_STRICT (new in 3.13), so it refuses certificates that OpenSSL's
 * default verification lets through (no Authority Key Identifier, a CA
 * without critical basicConstraints, …): the strictest stock client a
 * device or test script is likely to use.
 *
 * Python is looked up under pyenv (`$PYENV_ROOT`, then `pyenv root`, then
 * `~/.pyenv`); when it is missing the tests fail with install instructions.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PYTHON_VERSION = "3.13.0";

/** The path of the Python 3.13 interpreter; throws (never skips) when it is absent. */
export function python313(): string {
  const roots: string[] = [];
  if (process.env.PYENV_ROOT) roots.push(process.env.PYENV_ROOT);
  try {
    roots.push(execFileSync("pyenv", ["root"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    // pyenv not on PATH: try the default root below
  }
  roots.push(join(homedir(), ".pyenv"));
  const candidates = [...new Set(roots.filter(Boolean))].map((root) =>
    join(root, "versions", PYTHON_VERSION, "bin", "python3"),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `Python ${PYTHON_VERSION} is required for the strict TLS tests and was not found at ${candidates.join(" or ")}. ` +
        `Install it: pyenv install ${PYTHON_VERSION} (or set PYENV_ROOT to the pyenv root that has it).`,
    );
  }
  return found;
}

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `python3 -I -c script args…` asynchronously (the event loop stays free,
 * so a TLS server in this process can answer it). Kills it after `timeoutMs`.
 */
export function runPython(script: string, args: string[] = [], timeoutMs = 20_000): Promise<PythonRun> {
  const python = python313();
  return new Promise((resolve, reject) => {
    const child = spawn(python, ["-I", "-c", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What the Python TLS client reports (one JSON line). */
export interface PythonTlsResult {
  python: string;
  openssl: string;
  /** Whether `create_default_context()` had VERIFY_X509_STRICT on. */
  strictByDefault: boolean;
  /** Whether the check ran with VERIFY_X509_STRICT (off only when `relaxStrict`). */
  strict: boolean;
  ok: boolean;
  version?: string;
  peerCommonName?: string;
  peerSubjectAltNames?: [string, string][];
  reply?: string;
  errorType?: string;
  error?: string;
  verifyMessage?: string | null;
}

export interface PythonTlsOptions {
  port: number;
  /** The only trust anchor: the root certificate file. */
  cafile: string;
  /** Host name to verify the server certificate against (also sent as SNI). */
  serverHostname: string;
  /** Client certificate chain (leaf + intermediate) and key, for mutual TLS. */
  certfile?: string;
  keyfile?: string;
  /** `TLSv1_2` or `TLSv1_3` to pin the protocol version (both bounds). */
  tlsVersion?: "TLSv1_2" | "TLSv1_3";
  /** Clear VERIFY_X509_STRICT (for control experiments only). */
  relaxStrict?: boolean;
}

const TLS_CLIENT = String.raw`
import json, socket, ssl, sys

options = json.loads(sys.argv[1])
context = ssl.create_default_context(cafile=options["cafile"])
result = {
    "python": sys.version.split()[0],
    "openssl": ssl.OPENSSL_VERSION,
    "strictByDefault": bool(context.verify_flags & ssl.VERIFY_X509_STRICT),
}
if options.get("relaxStrict"):
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
result["strict"] = bool(context.verify_flags & ssl.VERIFY_X509_STRICT)
if options.get("tlsVersion"):
    version = getattr(ssl.TLSVersion, options["tlsVersion"])
    context.minimum_version = version
    context.maximum_version = version
if options.get("certfile"):
    context.load_cert_chain(options["certfile"], options["keyfile"])
try:
    with socket.create_connection(("127.0.0.1", options["port"]), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=options["serverHostname"]) as tls:
            result["version"] = tls.version()
            peer = tls.getpeercert()
            result["peerCommonName"] = next(
                (value for rdn in peer.get("subject", ()) for key, value in rdn if key == "commonName"), None
            )
            result["peerSubjectAltNames"] = list(peer.get("subjectAltName", ()))
            tls.sendall(b"ping\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = tls.recv(1024)
                if not chunk:
                    break
                reply += chunk
            if not reply.endswith(b"\n"):
                raise ConnectionError("the server closed the connection without answering")
            result["reply"] = reply.decode().strip()
            result["ok"] = True
except Exception as error:
    result.update(
        ok=False,
        errorType=type(error).__name__,
        error=str(error),
        verifyMessage=getattr(error, "verify_message", None),
    )
print(json.dumps(result))
`;

/** One TLS exchange from Python 3.13 with its default (strict) context. */
export async function pythonTlsExchange(options: PythonTlsOptions): Promise<PythonTlsResult> {
  const run = await runPython(TLS_CLIENT, [JSON.stringify(options)]);
  const line = run.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as PythonTlsResult;
  } catch {
    throw new Error(`the Python TLS client failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
