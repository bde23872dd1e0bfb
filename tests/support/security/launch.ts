/**
 * Starts the built local server (`dist/local/server.mjs`) as a child process
 * with exactly the environment a test gives it, and always talks to it on
 * 127.0.0.1 (also when it is bound to 0.0.0.0). Also runs it to completion
 * for the cases where it must refuse to start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { temporaryDirectory } from "../temporary-directory.js";

export interface LaunchedServer {
  /** Always http://127.0.0.1:<port>, whatever address the server bound. */
  baseUrl: string;
  /** The address the start-up line names (e.g. http://0.0.0.0:40123). */
  announcedUrl: string;
  storeDirectory: string;
  /** Everything the server printed so far, stdout and stderr. */
  output(): string;
  /** Waits until the output satisfies `done` (log lines written after a response arrive a moment later). */
  waitForOutput(done: (output: string) => boolean, timeoutMs?: number): Promise<string>;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  stop(): Promise<void>;
}

/** Variables the parent might have that would change what the server does; a test sets them explicitly. */
const CONTROLLED_VARIABLES = [
  "HOST",
  "PORT",
  "LOCAL_API_TOKEN",
  "LOCAL_STORE_DIR",
  "LOG_LEVEL",
  "AWS_LAMBDA_LOG_LEVEL",
  "CERTIFICATE_BUCKET_NAME",
  "ENDPOINT_URL",
  "AWS_ENDPOINT_URL",
];

function childEnvironment(storeDirectory: string, env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED_VARIABLES) delete base[name];
  const merged: NodeJS.ProcessEnv = { ...base, PORT: "0", LOCAL_STORE_DIR: storeDirectory };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

function spawnServer(storeDirectory: string, env: Record<string, string | undefined>) {
  const child: ChildProcess = spawn(process.execPath, ["dist/local/server.mjs"], {
    env: childEnvironment(storeDirectory, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Starts the server and waits for its start-up line. */
export async function launchLocalServer(env: Record<string, string | undefined> = {}): Promise<LaunchedServer> {
  const store = temporaryDirectory("iot-certs-security-store-");
  const { child, output } = spawnServer(store.path, env);
  let announcedUrl: string;
  try {
    announcedUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`local server did not start:\n${output()}`)), 45_000);
      const check = () => {
        const match = /listening on (http:\/\/\S+?)[\s;]/.exec(output());
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on("data", check);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`local server exited with ${code}:\n${output()}`));
      });
    });
  } catch (error) {
    store.remove();
    throw error;
  }
  const port = new URL(announcedUrl).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    announcedUrl,
    storeDirectory: store.path,
    output,
    async waitForOutput(done, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(output())) {
        if (Date.now() > deadline) throw new Error(`the expected output did not appear:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return output();
    },
    async request(method, path, options = {}) {
      const { body, headers = {} } = options;
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
      return { status: response.status, body: parsed as any, text, headers: response.headers };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
      store.remove();
    },
  };
}

/** Runs the server expecting it to exit by itself (e.g. refusing to start); kills it after `timeoutMs`. */
export async function runUntilExit(
  env: Record<string, string | undefined>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; output: string; listened: boolean }> {
  const store = temporaryDirectory("iot-certs-security-store-");
  const { child, output } = spawnServer(store.path, env);
  try {
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, output: output(), listened: /listening on/.test(output()) };
  } finally {
    store.remove();
  }
}
