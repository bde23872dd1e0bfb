/**
 * The local API as users run it (`node dist/local/server.mjs`) on a fresh
 * temporary store, and a lean keep-alive HTTP client for it (node:http, so
 * the client costs the shared CPUs as little as possible).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchServer {
  baseUrl: string;
  pid: number;
  storeDirectory: string;
  /** POSTs JSON and returns the status and parsed body. */
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const storeDirectory = mkdtempSync(join(tmpdir(), "iot-certs-bench-"));
  const child: ChildProcess = spawn(process.execPath, ["dist/local/server.mjs"], {
    // No key pool unless a section asks for one (keypool): its background RSA key generation would load the CPUs.
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOCAL_STORE_DIR: storeDirectory, KEY_POOL_SIZE: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // Drained always (one access-log line per request), kept only until the server is up.
  const onData = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local server did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.off("exit", exited);
        resolve(match[1]);
      }
    };
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`local server exited with ${code}:\n${output}`));
    };
    child.stdout?.on("data", check);
    child.once("exit", exited);
  });
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": payload.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            try {
              resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
            } catch {
              resolve({ status: response.statusCode ?? 0, body: text });
            }
          });
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(payload);
    });
  return {
    baseUrl,
    pid: child.pid as number,
    storeDirectory,
    post,
    async stop() {
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
      rmSync(storeDirectory, { recursive: true, force: true });
    },
  };
}

/** Throws unless `response` has `status`, showing the body (a problem+json) when not. */
export function expectStatus(response: { status: number; body: unknown }, status: number, what: string): void {
  if (response.status !== status) {
    throw new Error(
      `${what}: expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body).slice(0, 500)}`,
    );
  }
}
