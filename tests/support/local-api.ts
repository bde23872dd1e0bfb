/**
 * Starts the local API server (`dist/local/server.mjs`, built by the global
 * setup) as a child process on a free port, the way `npm start` runs it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { temporaryDirectory } from "./temporary-directory.js";

export interface LocalApi {
  baseUrl: string;
  /** The local store directory (when no bucket is configured). */
  storeDirectory: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startLocalApi(env: Record<string, string> = {}): Promise<LocalApi> {
  const store = temporaryDirectory("iot-certs-store-");
  const child: ChildProcess = spawn(process.execPath, ["dist/local/server.mjs"], {
    // No key pool unless a test asks for one: a pool makes RSA keys in the background, CPU the other tests need.
    env: { ...process.env, PORT: "0", LOCAL_STORE_DIR: store.path, KEY_POOL_SIZE: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local API did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      // The route list follows the listening line; wait for its last route so callers see the whole banner.
      if (match?.[1] && /GET\s+\/openapi\.json/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local API exited with ${code}:\n${output}`));
    });
  });
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };
  return {
    baseUrl,
    storeDirectory: store.path,
    output: () => output,
    post: (path, body, headers) => request("POST", path, body, headers),
    get: (path, headers) => request("GET", path, undefined, headers),
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          // SIGTERM lets the server finish in-flight requests; it exits within 5 s. SIGKILL if it did not.
          const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill("SIGTERM");
        });
      }
      store.remove();
    },
  };
}
