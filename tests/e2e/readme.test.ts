/**
 * The documentation runs: every shell block of README.md and docs/*.md, in
 * order, against a fresh local server. A README that drifts from the API (a
 * renamed field, a hard-coded serial, a placeholder in a URL) fails here.
 *
 * How to write a block this test can run (the conventions):
 *
 * - Fenced blocks tagged `sh`, `bash` or `shell` run; others (`json`, a
 *   configuration file, untagged) do not.
 * - `<!-- readme-test: skip (REASON) -->` on the line before a block (blank
 *   lines between are allowed) skips it; the reason is printed. For blocks
 *   that need an AWS account, a deployed stack or a broker the docs do not
 *   start, or that run a server in the foreground.
 * - `<!-- readme-test: sample of FILE -->` before a `json` block: FILE, as the
 *   file's blocks wrote it, must have exactly the sample's fields, each with a
 *   value of the same JSON type (a sample response missing a field the API
 *   returns fails).
 * - A line `# → TEXT` in a block: the block's output (stdout and stderr) must
 *   contain TEXT on one line; `…` in TEXT stands for any characters.
 * - Examples capture what later ones need (`serial=$(… | jq -r .serial_number)`),
 *   never a placeholder.
 *
 * How the blocks run:
 *
 * - All blocks of one file run in one `bash` with `set -euo pipefail`, one
 *   after the other, so variables, `cd` and background processes carry over.
 *   A failing command fails its block; the blocks after it are reported as
 *   not run. Processes a block leaves behind are ended with the script.
 * - Each file gets a fresh local server (`dist/local/server.mjs`, its own
 *   temporary store) on a free port. Port numbers in the blocks are replaced
 *   as whole words: 3000 (the local API) by that server's port; 3001 (a
 *   second local server), 5000 (moto_server) and 8883 (MQTT) by free ports.
 *   `IOT_CERTS_API` points the CLI at the server; no AWS variable is
 *   inherited.
 * - The working directory is a fresh directory under tests/.artifacts/,
 *   inside the repository, so that `npx iot-certs` finds this package.
 *   `dist` is linked into it, so that `node dist/local/server.mjs` starts
 *   the built server there as in the repository's root (`npm start` would
 *   rebuild `dist/` under the other test files). It is removed when the
 *   file passes and kept (its path printed) when it fails.
 * - curl fails on HTTP errors: `CURL_HOME` holds a `.curlrc` with
 *   `fail-with-body`, so a request the API refuses fails its block, with the
 *   problem+json in the output.
 * - Needed on PATH: bash, curl, jq, openssl, moto_server, aws (the AWS CLI),
 *   mosquitto (or /usr/sbin/mosquitto), mosquitto_pub, mosquitto_sub and
 *   chromium (docs/portal.md's screenshot).
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { type LocalApi, startLocalApi } from "../support/local-api.js";

const REPOSITORY = fileURLToPath(new URL("../..", import.meta.url));

/** How long one file's blocks may run together (the README issues ~700 certificates). */
const FILE_TIMEOUT_MS = 300_000;

/** The tools the examples call, and how to install each (Debian, pip). */
const TOOLS: Record<string, string> = {
  curl: "apt-get install curl",
  jq: "apt-get install jq",
  openssl: "apt-get install openssl",
  moto_server: "pip install 'moto[server]'",
  aws: "pip install awscli",
  mosquitto: "apt-get install mosquitto",
  mosquitto_pub: "apt-get install mosquitto-clients",
  mosquitto_sub: "apt-get install mosquitto-clients",
  chromium: "apt-get install chromium",
};

/** PATH for the blocks: Debian installs mosquitto under /usr/sbin. */
const BLOCK_PATH = `${process.env.PATH}:/usr/sbin`;

/** Fails with install instructions when a block calls a tool that is not installed: never a silent skip. */
function assertToolsInstalled(file: string, blocks: ShellBlock[]): void {
  const missing = Object.entries(TOOLS).filter(
    ([tool]) =>
      blocks.some((block) => new RegExp(`(^|[\\s|;&(])${tool}(\\s|$)`, "m").test(block.text)) &&
      spawnSync("bash", ["-c", `command -v ${tool}`], { env: { ...process.env, PATH: BLOCK_PATH } }).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `${file}'s examples need ${missing.map(([tool]) => tool).join(", ")}: ${[...new Set(missing.map(([, install]) => install))].join("; ")}`,
    );
  }
}

/** Ports the blocks name, each replaced by the test's own (see the conventions above). */
const PORTS_REPLACED = { api: 3000, secondApi: 3001, moto: 5000, mqtt: 8883 } as const;

interface ShellBlock {
  kind: "shell";
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
  skip?: string;
}

interface SampleBlock {
  kind: "sample";
  line: number;
  /** The file, relative to the working directory, that the sample describes. */
  file: string;
  json: unknown;
}

type Block = ShellBlock | SampleBlock;

/** The shell blocks and response samples of a Markdown file, with their markers. */
function readBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  /** The directive of a `readme-test` comment waiting for its block. */
  let marker: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const comment = /^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$/.exec(line);
    if (comment) {
      marker = comment[1] ?? "";
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== "") marker = undefined;
      continue;
    }
    const [, indent = "", ticks = "```", language = ""] = fence;
    const body: string[] = [];
    const opening = index;
    for (index++; index < lines.length; index++) {
      const current = lines[index] ?? "";
      if (current.trim().startsWith(ticks) && current.trim().replace(/[`~]/g, "") === "") break;
      body.push(current.startsWith(indent) ? current.slice(indent.length) : current.trimStart());
    }
    const text = body.join("\n");
    const where = `${file}:${opening + 1}`;
    const directive = marker;
    marker = undefined;
    if (directive !== undefined) {
      const skip = /^skip\s*\((.+)\)$/.exec(directive);
      const sample = /^sample of\s+(\S+)$/.exec(directive);
      if (skip && ["sh", "bash", "shell"].includes(language)) {
        blocks.push({ kind: "shell", line: opening + 1, text, skip: skip[1] ?? "" });
        continue;
      }
      if (sample && language === "json") {
        blocks.push({ kind: "sample", line: opening + 1, file: sample[1] ?? "", json: JSON.parse(text) });
        continue;
      }
      throw new Error(`${where}: unknown readme-test marker '${directive}' for a '${language}' block`);
    }
    if (!["sh", "bash", "shell"].includes(language)) continue;
    blocks.push({ kind: "shell", line: opening + 1, text });
  }
  return blocks;
}

/** `# → TEXT` lines of a block as patterns over its output (`…` = anything on the line). */
function expectations(text: string): { text: string; pattern: RegExp }[] {
  return [...text.matchAll(/^\s*# → (.*)$/gm)].map((match) => {
    const expected = match[1] ?? "";
    const source = expected
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^\\n]*");
    return { text: expected, pattern: new RegExp(source) };
  });
}

/** Replaces the documented port numbers, as whole words, by the ones this run uses. */
function replacePorts(text: string, ports: Record<number, number>): string {
  return text.replace(/(?<![\w.])(\d{4})(?![\w.])/g, (digits) => String(ports[Number(digits)] ?? digits));
}

/** The JSON type of a value, as a sample is compared. */
function jsonType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

interface FileRun {
  /** Each block as it ran (its ports replaced). */
  texts: string[];
  /** Index (among the file's runnable blocks) of the block that failed, if one did. */
  failedAt: number | undefined;
  /** Output of each block that ran. */
  outputs: string[];
  /** Exit status or signal of the script, for the failure message. */
  status: string;
  workDirectory: string;
}

async function runFile(file: string, blocks: ShellBlock[], api: LocalApi): Promise<FileRun> {
  const artifacts = join(REPOSITORY, "tests", ".artifacts");
  mkdirSync(artifacts, { recursive: true });
  const workDirectory = mkdtempSync(join(artifacts, `readme-${file.replaceAll("/", "-")}-`));
  const state = join(workDirectory, ".readme-test");
  mkdirSync(state);
  symlinkSync(join(REPOSITORY, "dist"), join(workDirectory, "dist"));
  // docs/postman.md runs the shipped collection by its path in the repository.
  symlinkSync(join(REPOSITORY, "postman"), join(workDirectory, "postman"));
  writeFileSync(join(state, ".curlrc"), "fail-with-body\n");

  const ports: Record<number, number> = { [PORTS_REPLACED.api]: Number(new URL(api.baseUrl).port) };
  for (const port of [PORTS_REPLACED.secondApi, PORTS_REPLACED.moto, PORTS_REPLACED.mqtt])
    ports[port] = await freePort();

  const texts = blocks.map((block) => replacePorts(block.text, ports));
  const script = ["set -euo pipefail"];
  blocks.forEach((block, index) => {
    script.push(
      `# ${file}:${block.line}`,
      `printf '%s\\n' ${index} > "$README_TEST_STATE/current"`,
      `printf '%s %s\\n' ${index} "$EPOCHREALTIME" >> "$README_TEST_STATE/started"`,
      "{",
      texts[index] ?? "",
      `} > "$README_TEST_STATE/${index}.out" 2>&1`,
    );
  });
  script.push(
    `printf 'done\\n' > "$README_TEST_STATE/current"`,
    `printf '%s %s\\n' done "$EPOCHREALTIME" >> "$README_TEST_STATE/started"`,
    "",
  );
  const scriptPath = join(state, "blocks.sh");
  writeFileSync(scriptPath, script.join("\n"));

  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !name.startsWith("AWS_") &&
        !["IOT_CERTS_API", "LOCAL_API_TOKEN", "PORT", "HOST", "CERTIFICATE_BUCKET_NAME", "ENDPOINT_URL"].includes(
          name,
        ) &&
        !["LOCAL_STORE_DIR", "KEY_POOL_SIZE", "PUBLIC_BASE_URL"].includes(name),
    ),
  );
  const child = spawn("bash", [scriptPath], {
    cwd: workDirectory,
    // Its own process group, so that what the blocks start in the background ends with it.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...inherited,
      PATH: BLOCK_PATH,
      README_TEST_STATE: state,
      CURL_HOME: state,
      IOT_CERTS_API: api.baseUrl,
      // npx finds this package's own bin; never ask the registry for one.
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      KEY_POOL_SIZE: "0",
    },
  });
  let scriptOutput = "";
  child.stdout.on("data", (chunk) => (scriptOutput += chunk));
  child.stderr.on("data", (chunk) => (scriptOutput += chunk));
  const endGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    } catch {
      // the group is gone already
    }
  };
  const status = await new Promise<string>((done) => {
    const timer = setTimeout(() => {
      endGroup();
      done(`timed out after ${FILE_TIMEOUT_MS / 1000} s`);
    }, FILE_TIMEOUT_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      done(signal ? `killed by ${signal}` : `exit status ${code}`);
    });
  });
  endGroup();

  const current = existsSync(join(state, "current")) ? readFileSync(join(state, "current"), "utf8").trim() : "0";
  const outputs = blocks.map((_, index) => {
    const path = join(state, `${index}.out`);
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  });
  const failedAt = current === "done" && status === "exit status 0" ? undefined : Number(current);
  // How long each block took (to the next block's start), printed to show where a slow file spends its time.
  const startedPath = join(state, "started");
  const started = existsSync(startedPath)
    ? readFileSync(startedPath, "utf8")
        .trim()
        .split("\n")
        .map((line) => Number(line.split(" ")[1]))
    : [];
  const durations = started
    .slice(1)
    .map((at, index) => `${blocks[index]?.line}: ${(at - (started[index] ?? at)).toFixed(1)} s`);
  console.log(`${file}, seconds per block (by line): ${durations.join(", ")}`);
  if (failedAt !== undefined && scriptOutput) outputs[failedAt] = `${outputs[failedAt] ?? ""}${scriptOutput}`;
  return { texts, failedAt, outputs, status, workDirectory };
}

const documents = [
  "README.md",
  ...readdirSync(join(REPOSITORY, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

for (const file of documents) {
  const blocks = readBlocks(readFileSync(join(REPOSITORY, file), "utf8"), file);
  const shellBlocks = blocks.filter((block): block is ShellBlock => block.kind === "shell");
  const runnable = shellBlocks.filter((block) => block.skip === undefined);
  const samples = blocks.filter((block): block is SampleBlock => block.kind === "sample");
  if (shellBlocks.length === 0 && samples.length === 0) continue;

  describe(`${file} runs as written`, () => {
    let api: LocalApi;
    let run: FileRun | undefined;

    beforeAll(async () => {
      for (const block of shellBlocks) {
        if (block.skip !== undefined) console.log(`${file}:${block.line} skipped: ${block.skip}`);
      }
      if (runnable.length === 0) return;
      assertToolsInstalled(file, runnable);
      api = await startLocalApi();
      run = await runFile(file, runnable, api);
    }, FILE_TIMEOUT_MS + 60_000);

    afterAll(async () => {
      await api?.stop();
      if (run === undefined) return;
      if (run.failedAt === undefined) rmSync(run.workDirectory, { recursive: true, force: true });
      else console.log(`${file}: the blocks' files are kept in ${run.workDirectory}`);
    });

    shellBlocks.forEach((block) => {
      if (block.skip !== undefined) {
        it.skip(`${file}:${block.line} (skipped: ${block.skip})`, () => {});
        return;
      }
      const index = runnable.indexOf(block);
      it(`${file}:${block.line}`, () => {
        if (run === undefined) throw new Error("the blocks did not run");
        const output = run.outputs[index] ?? "";
        if (run.failedAt !== undefined && index > run.failedAt) {
          throw new Error(`not run: the block at ${file}:${runnable[run.failedAt]?.line} failed`);
        }
        const text = run.texts[index] ?? "";
        if (run.failedAt === index) {
          throw new Error(`${file}:${block.line} failed (${run.status}):\n${text}\n--- output ---\n${output}`);
        }
        for (const expected of expectations(text)) {
          expect(output, `${file}:${block.line} should print '${expected.text}'`).toMatch(expected.pattern);
        }
      });
    });

    for (const sample of samples) {
      it(`${file}:${sample.line} is a real ${sample.file}`, () => {
        if (run === undefined) throw new Error("the blocks did not run");
        const path = join(run.workDirectory, sample.file);
        expect(existsSync(path), `no block of ${file} wrote ${sample.file}`).toBe(true);
        const actual = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
        const shape = (value: Record<string, unknown>) =>
          Object.fromEntries(Object.entries(value).map(([key, field]) => [key, jsonType(field)]));
        expect(shape(sample.json as Record<string, unknown>)).toEqual(shape(actual));
      });
    }
  });
}
