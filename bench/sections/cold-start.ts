/**
 * Cold start of each bundled function: wall time of a fresh `node` process
 * that imports the bundle (and, second figure, also runs one invocation that
 * creates its clients and makes its first, immediately refused, S3/ACM
 * call), minus the wall time of a bare `node -e ''`; medians of interleaved
 * runs. And each bundle's size as built (minified).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { type Cell, formatBytes, formatDuration, median, round } from "../stats.js";
import { bundleBytes, bundleFile, functions, proxyEvent } from "../support/bundles.js";
import type { RunContext, SectionResult } from "../support/report.js";

/** Environment of a Lambda in AWS: S3 storage (at an endpoint that refuses at once), no retries. */
const LAMBDA_ENV = {
  CERTIFICATE_BUCKET_NAME: "bench-bucket",
  ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_REGION: "eu-north-1",
  AWS_ACCESS_KEY_ID: "AKIABENCHBENCHBENCH0",
  AWS_SECRET_ACCESS_KEY: "bench-secret-bench-secret-bench-secret00",
  AWS_MAX_ATTEMPTS: "1",
  NODE_OPTIONS: "",
};

function run(args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const { AWS_PROFILE: _profile, ...base } = process.env;
    const child = spawn(process.execPath, args, { env: { ...base, ...LAMBDA_ENV }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(" ")} exited with ${code}: ${stderr.slice(0, 1000)}`));
      else resolve({ ms, stdout });
    });
  });
}

/** A first request to the function's first route, with plausible parameters. */
function firstEvent(fn: ReturnType<typeof functions>[number]) {
  const route = fn.routes[0];
  if (!route) throw new Error(`${fn.logicalId} has no route`);
  const parameters: Record<string, string> = {};
  for (const [, name] of route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
    parameters[name as string] = name === "serial_number" ? "4".repeat(32) : "default";
  }
  const body =
    route.method === "POST"
      ? route.path === "/certificates/server"
        ? { fqdn: "cold.bench.example.com" }
        : route.path.endsWith("/batch")
          ? { count: 1 }
          : route.path.endsWith("/revoke")
            ? { reason: "superseded" }
            : {}
      : undefined;
  return proxyEvent(route.method, route.path, body, Object.keys(parameters).length > 0 ? parameters : null);
}

export async function runColdStart(context: RunContext): Promise<SectionResult> {
  const runs = context.quick ? 1 : 15;
  const probe = "bench/cold-start-probe.mjs";
  const list = functions();
  const bare: number[] = [];
  const imports = new Map<string, number[]>();
  const invokes = new Map<string, number[]>();
  const statuses = new Map<string, string>();
  context.progress(
    `cold start: ${list.length} functions × ${runs} runs × (bare node, import, import + first invocation)`,
  );
  await run(["-e", ""]); // warms the OS file cache
  // Full runs start with one unmeasured round; the quick run relies on the build having just read every file.
  for (let i = context.quick ? 0 : -1; i < runs; i++) {
    for (const fn of list) {
      const b = await run(["-e", ""]);
      const imported = await run([probe, bundleFile(fn), "import"]);
      const invoked = await run([probe, bundleFile(fn), "invoke", JSON.stringify(firstEvent(fn))]);
      statuses.set(fn.logicalId, invoked.stdout);
      if (i < 0) continue;
      bare.push(b.ms);
      imports.set(fn.logicalId, [...(imports.get(fn.logicalId) ?? []), imported.ms]);
      invokes.set(fn.logicalId, [...(invokes.get(fn.logicalId) ?? []), invoked.ms]);
    }
  }
  const bareMedian = median(bare);
  const rows: Cell[][] = [];
  const figures: Record<string, unknown> = { bareNodeMs: round(bareMedian) };
  for (const fn of list) {
    const importMs = median(imports.get(fn.logicalId) ?? []) - bareMedian;
    const invokeMs = median(invokes.get(fn.logicalId) ?? []) - bareMedian;
    const bytes = bundleBytes(fn);
    const gzip = gzipSync(readFileSync(bundleFile(fn))).length;
    figures[fn.logicalId] = {
      bundleBytes: bytes,
      gzipBytes: gzip,
      importMs: round(importMs),
      importAndFirstInvocationMs: round(invokeMs),
      firstInvocationStatus: Number(statuses.get(fn.logicalId)),
    };
    rows.push([
      fn.logicalId.replace(/Function$/, ""),
      formatBytes(bytes),
      formatBytes(gzip),
      formatDuration(importMs),
      formatDuration(invokeMs),
      statuses.get(fn.logicalId),
    ]);
  }
  return {
    id: "coldstart",
    title: `Cold start per function (fresh node process, minus bare node ${formatDuration(bareMedian)})`,
    headers: ["function", "bundle", "gzip", "import", "import + 1st call", "1st status"],
    rows,
    figures,
    notes: [
      `Median of ${runs} interleaved runs. "1st call": handler(event) once with CERTIFICATE_BUCKET_NAME set (S3/ACM clients created, one S3 call refused at once: 503; 400/200 where the route needs no storage call).`,
    ],
  };
}
