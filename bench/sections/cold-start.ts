/**
 * Cold start of each bundled function against its floor.
 *
 * Function: wall time of a fresh `node` process that imports the function's
 * bundle and handles one event whose first S3 call goes to an endpoint that
 * refuses at once (127.0.0.1:9, AWS_MAX_ATTEMPTS=1), as a Lambda's first
 * invocation makes its clients and its first call.
 *
 * Floor: the same for a bundle built with the same esbuild options that only
 * imports the SDK clients the function uses and makes the same one failed
 * call (found by running the function once against a local server that
 * records it). "Function − floor" is then what the project's own code costs
 * at cold start; `GET /openapi.json`, which uses no SDK client, is held to
 * bare node.
 *
 * Every figure is minus bare `node -e ''`, the median of interleaved runs.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { FUNCTION_BUILD_OPTIONS } from "../../scripts/function-build-options.js";
import { type Cell, formatBytes, formatDuration, median, round } from "../stats.js";
import { bundleBytes, bundleFile, DIST, functions, proxyEvent } from "../support/bundles.js";
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

const PROBE = "bench/cold-start-probe.mjs";

/** Limits of issue 11: each function at most 60 ms over its floor; `GET /openapi.json` at most 60 ms over bare node. */
export const MAX_OVER_FLOOR_MS = 60;

type FunctionDefinition = ReturnType<typeof functions>[number];

/** `node -e` that only reports its CPU time, as the probe does: bare node's figures. */
const BARE_NODE = [
  "-e",
  "const u = process.cpuUsage(); process.stdout.write('- ' + (u.user + u.system) / 1000); process.exit(0);",
];

interface ProcessRun {
  /** Wall time from spawn to exit. */
  ms: number;
  /** What the probe reported: the handler's status code, or "-". */
  status: string;
  /** CPU time (user + system, all threads) the process had used when it reported. */
  cpuMs: number;
}

function run(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const { AWS_PROFILE: _profile, ...base } = process.env;
    const child = spawn(process.execPath, args, {
      env: { ...base, ...LAMBDA_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(" ")} exited with ${code}: ${stderr.slice(0, 1000)}`));
      else {
        const [status = "", cpu = "NaN"] = stdout.trim().split(" ");
        resolvePromise({ ms, status, cpuMs: Number(cpu) });
      }
    });
  });
}

/** A request to `route` with plausible parameters. */
function eventFor(route: FunctionDefinition["routes"][number]) {
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

/** The S3 operation of a request the SDK sent, from its method and query. */
function s3Operation(method: string, url: URL): string {
  const named = url.searchParams.get("x-id");
  if (named) return named;
  if (method === "GET" && url.searchParams.get("list-type") === "2") return "ListObjectsV2";
  return { GET: "GetObject", PUT: "PutObject", DELETE: "DeleteObject" }[method] ?? `${method} ${url.pathname}`;
}

interface FirstCall {
  /** The event the function's cold start is measured with. */
  event: ReturnType<typeof eventFor>;
  /** The first S3 operation that event makes; undefined when the function makes none. */
  operation: string | undefined;
}

/**
 * For each function, the first of its routes whose request reaches S3 (a
 * route the handler answers before any storage call, such as revoking a
 * root, is passed over) and the S3 operation it sends first, found by
 * running it against a local server that records the request and answers
 * 503. A function none of whose routes reaches S3 keeps its first route.
 */
async function firstCalls(list: FunctionDefinition[]): Promise<Map<string, FirstCall>> {
  let seen: string | undefined;
  const server = createServer((request, response) => {
    seen ??= s3Operation(request.method ?? "", new URL(request.url ?? "/", "http://127.0.0.1"));
    request.resume();
    response.writeHead(503, { "content-type": "application/xml" }).end("<Error><Code>SlowDown</Code></Error>");
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls = new Map<string, FirstCall>();
  try {
    for (const fn of list) {
      const [first] = fn.routes;
      if (!first) throw new Error(`${fn.logicalId} has no route`);
      calls.set(fn.logicalId, { event: eventFor(first), operation: undefined });
      for (const route of fn.routes) {
        seen = undefined;
        const event = eventFor(route);
        await run([PROBE, bundleFile(fn), "invoke", JSON.stringify(event)], { ENDPOINT_URL: endpoint });
        if (seen !== undefined) {
          calls.set(fn.logicalId, { event, operation: seen });
          break;
        }
      }
    }
  } finally {
    server.close();
  }
  return calls;
}

/** The floor call's input besides the bucket, shaped as the adapter sends each operation. */
const FLOOR_INPUTS: Record<string, string> = {
  GetObject: 'Key: "floor/key.json"',
  PutObject: 'Key: "floor/key.json", Body: "{}", ContentType: "application/json", IfNoneMatch: "*"',
  ListObjectsV2: 'Prefix: "floor/", MaxKeys: 1000',
  DeleteObject: 'Key: "floor/key.json"',
};

/** What a function's floor bundle does: import the SDK clients it uses and make the same one failed call. */
function floorSource(fn: FunctionDefinition, operation: string): string {
  const usesAcm = fn.routes.some((route) => route.path === "/certificates/server" && route.method === "POST");
  return [
    `import { S3Client, ${operation}Command } from "@aws-sdk/client-s3";`,
    // As in the function: the ACM client is in the bundle, loaded only at the first import into ACM.
    usesAcm ? `export const loadAcm = () => import("@aws-sdk/client-acm");` : "",
    `const client = new S3Client({ endpoint: process.env.ENDPOINT_URL, forcePathStyle: true });`,
    `const input = { Bucket: process.env.CERTIFICATE_BUCKET_NAME, ${FLOOR_INPUTS[operation] ?? 'Key: "floor/key"'} };`,
    `await client.send(new ${operation}Command(input)).catch(() => {});`,
  ].join("\n");
}

/** Builds a floor bundle with the functions' esbuild options; returns its path. */
async function buildFloor(name: string, source: string): Promise<string> {
  const directory = join(DIST, "bench", "floors");
  mkdirSync(directory, { recursive: true });
  const outfile = join(directory, `${name}.mjs`);
  await build({
    ...FUNCTION_BUILD_OPTIONS,
    stdin: { contents: source, resolveDir: resolve("."), sourcefile: `${name}-floor.js`, loader: "js" },
    outfile,
  });
  return outfile;
}

export async function runColdStart(context: RunContext): Promise<SectionResult> {
  const runs = context.quick ? 1 : 15;
  const list = functions();
  context.progress("cold start: finding each function's first S3 call and building its floor");
  const calls = await firstCalls(list);
  /** Floor bundle per function (none: measured against bare node); one build per distinct floor. */
  const floorOf = new Map<string, string | undefined>();
  const floors = new Map<string, string>();
  for (const fn of list) {
    const operation = calls.get(fn.logicalId)?.operation;
    if (operation === undefined) {
      floorOf.set(fn.logicalId, undefined);
      continue;
    }
    const source = floorSource(fn, operation);
    const name = `${operation}${source.includes("client-acm") ? "-acm" : ""}`;
    if (!floors.has(name)) floors.set(name, await buildFloor(name, source));
    floorOf.set(fn.logicalId, name);
  }
  context.progress(
    `cold start: ${runs} rounds × (bare node, ${list.length} functions, ${floors.size} floors), interleaved`,
  );
  const bare: ProcessRun[] = [];
  const invokes = new Map<string, ProcessRun[]>();
  const floorTimes = new Map<string, ProcessRun[]>();
  const statuses = new Map<string, string>();
  await run(BARE_NODE); // warms the OS file cache
  // Full runs start with one unmeasured round; the quick run relies on the build having just read every file.
  for (let i = context.quick ? 0 : -1; i < runs; i++) {
    const b = await run(BARE_NODE);
    if (i >= 0) bare.push(b);
    for (const fn of list) {
      const { event } = calls.get(fn.logicalId) as FirstCall;
      const invoked = await run([PROBE, bundleFile(fn), "invoke", JSON.stringify(event)]);
      statuses.set(fn.logicalId, invoked.status);
      if (i >= 0) invokes.set(fn.logicalId, [...(invokes.get(fn.logicalId) ?? []), invoked]);
    }
    for (const [name, file] of floors) {
      const floor = await run([PROBE, file, "import"]);
      if (i >= 0) floorTimes.set(name, [...(floorTimes.get(name) ?? []), floor]);
    }
  }
  const wall = (runs: ProcessRun[] | undefined) => median((runs ?? []).map((r) => r.ms));
  const cpu = (runs: ProcessRun[] | undefined) => median((runs ?? []).map((r) => r.cpuMs));
  const bareWall = wall(bare);
  const bareCpu = cpu(bare);
  const rows: Cell[][] = [];
  const figures: Record<string, unknown> = { bareNodeMs: round(bareWall), bareNodeCpuMs: round(bareCpu) };
  for (const fn of list) {
    const call = calls.get(fn.logicalId) as FirstCall;
    const floorName = floorOf.get(fn.logicalId);
    const floorRuns = floorName === undefined ? undefined : floorTimes.get(floorName);
    const functionMs = wall(invokes.get(fn.logicalId)) - bareWall;
    const floorMs = floorRuns === undefined ? 0 : wall(floorRuns) - bareWall;
    const functionCpuMs = cpu(invokes.get(fn.logicalId)) - bareCpu;
    const floorCpuMs = floorRuns === undefined ? 0 : cpu(floorRuns) - bareCpu;
    const floorFile = floorName === undefined ? undefined : floors.get(floorName);
    const floorBytes = floorFile === undefined ? 0 : statSync(floorFile).size;
    const bytes = bundleBytes(fn);
    const gzip = gzipSync(readFileSync(bundleFile(fn))).length;
    const route = `${call.event.httpMethod} ${call.event.resource}`;
    figures[fn.logicalId] = {
      route,
      firstS3Call: call.operation ?? null,
      bundleBytes: bytes,
      gzipBytes: gzip,
      floorBundleBytes: floorBytes,
      coldStartMs: round(functionMs),
      floorMs: round(floorMs),
      overFloorMs: round(functionMs - floorMs),
      coldStartCpuMs: round(functionCpuMs),
      floorCpuMs: round(floorCpuMs),
      overFloorCpuMs: round(functionCpuMs - floorCpuMs),
      firstInvocationStatus: Number(statuses.get(fn.logicalId)),
    };
    rows.push([
      fn.logicalId.replace(/Function$/, ""),
      call.operation === undefined ? `${route} (no S3 call)` : `${route}: ${call.operation}`,
      formatDuration(functionMs),
      floorName === undefined ? "bare node" : formatDuration(floorMs),
      formatDuration(functionMs - floorMs),
      `${formatDuration(functionCpuMs)} / ${floorName === undefined ? "0" : formatDuration(floorCpuMs)}`,
      formatBytes(bytes),
      floorName === undefined ? "—" : formatBytes(floorBytes),
      statuses.get(fn.logicalId),
    ]);
  }
  return {
    id: "coldstart",
    title: `Cold start per function against its floor (fresh node process, minus bare node: ${formatDuration(bareWall)} wall, ${formatDuration(bareCpu)} CPU)`,
    headers: [
      "function",
      "event: 1st S3 call",
      "cold start",
      "floor",
      "− floor",
      "CPU: fn / floor",
      "bundle",
      "floor bundle",
      "status",
    ],
    rows,
    figures,
    notes: [
      `Median of ${runs} interleaved rounds; wall time, and CPU time (user + system, all threads) as a figure less moved by other load on the machine. Cold start: import the bundle and handle one event with CERTIFICATE_BUCKET_NAME set; its first S3 call is refused at once (127.0.0.1:9, AWS_MAX_ATTEMPTS=1: 503; 400/200 where the route needs no storage call).`,
      "Floor: a bundle built with the same esbuild options that imports only the SDK clients the function uses (S3; ACM behind a dynamic import for the server function) and makes the same one refused call.",
      `Targets: each function ≤ floor + ${MAX_OVER_FLOOR_MS} ms; a function without SDK client ≤ bare node + ${MAX_OVER_FLOOR_MS} ms.`,
    ],
  };
}
