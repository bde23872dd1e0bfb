/**
 * The local server writes standard output in batches (`batchStandardOutput`
 * in src/local/server.ts): every line still arrives, in order, while the
 * process runs and when it exits; standard error is not delayed. Run in child
 * processes on the built server module, since the function replaces the
 * process's console.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { startLocalApi } from "../support/local-api.js";

const SERVER_MODULE = pathToFileURL(resolve("dist/local/server.mjs")).href;

/** Runs `body` (an ES module script) after `batchStandardOutput()`; resolves with its output once `until` holds or it exits. */
function runScript(
  body: string,
  until: (stdout: string) => boolean = () => false,
): Promise<{ stdout: string; stderr: string; code: number | null; order: string[] }> {
  const script = `import { batchStandardOutput } from ${JSON.stringify(SERVER_MODULE)};\nbatchStandardOutput();\n${body}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  /** Which stream delivered each chunk, in arrival order. */
  const order: string[] = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no complete output in time: ${JSON.stringify({ stdout, stderr })}`));
    }, 20_000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolvePromise({ stdout, stderr, code, order });
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      order.push("stdout");
      if (until(stdout)) {
        child.kill("SIGKILL");
        done(null);
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      order.push("stderr");
    });
    child.once("exit", (code) => done(code));
  });
}

const lines = (count: number) => Array.from({ length: count }, (_, index) => `line ${index}`);

describe("local server standard output", () => {
  it("writes every line, in order, when the process exits right after logging", async () => {
    const result = await runScript(
      `for (let i = 0; i < 2000; i++) console.log("line " + i);\nconsole.error("an error");\nprocess.exit(3);`,
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(`${lines(2000).join("\n")}\n`);
    expect(result.stderr).toBe("an error\n");
  });

  it("writes lines while the process keeps running, without waiting for more", async () => {
    const result = await runScript(
      `console.log("first"); console.log({ second: 2 });\nsetInterval(() => undefined, 1000);`,
      (stdout) => stdout.includes("second"),
    );
    expect(result.stdout).toBe("first\n{ second: 2 }\n");
  });

  it("writes standard error at once, before the batched standard output", async () => {
    const result = await runScript(
      `console.log("later"); console.error("now");\nsetInterval(() => undefined, 1000);`,
      (stdout) => stdout.includes("later"),
    );
    expect(result.stderr).toBe("now\n");
    expect(result.order).toEqual(["stderr", "stdout"]);
  });

  it("prints the server's banner and its access-log lines", async () => {
    const api = await startLocalApi();
    try {
      expect((await api.get("/openapi.json")).status).toBe(200);
      const deadline = Date.now() + 5_000;
      while (!/"message":"request".*"path":"\/openapi.json"/.test(api.output()) && Date.now() < deadline) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 20));
      }
      expect(api.output()).toMatch(/"message":"request".*"path":"\/openapi.json".*"status":200/);
    } finally {
      await api.stop();
    }
  });
});
