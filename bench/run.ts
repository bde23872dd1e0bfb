/**
 * `npm run bench [-- --quick] [--only=issuance,handler,throughput,coldstart,batch,keypool,kms]`
 *
 * Benchmarks of what users feel: the crypto floor and core issuance per
 * certificate type and key algorithm, one request through the Lambda handler
 * and over the local HTTP server, throughput at concurrency 1/2/4, cold
 * start and size of every bundle, and 10,000 certificates through the batch
 * route. Prints one table per section and the targets, and writes everything
 * to bench/results.json. Every figure is a median of repeated runs; every
 * ratio compares figures of the same run.
 *
 * Run through `npm run bench`, which builds dist/ first (the handler, HTTP
 * and cold-start sections use the bundles) and bundles this file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { runBatch } from "./sections/batch.js";
import { MAX_OVER_FLOOR_MS, runColdStart } from "./sections/cold-start.js";
import { runHandler } from "./sections/handler.js";
import { runIssuance } from "./sections/issuance.js";
import { runKeyPool } from "./sections/key-pool.js";
import { runKms } from "./sections/kms.js";
import { runThroughput } from "./sections/throughput.js";
import { checkTarget, formatTable, parseOptions, round, type TargetCheck } from "./stats.js";
import { machineInfo } from "./support/machine.js";
import type { RunContext, SectionResult } from "./support/report.js";

const SECTIONS: Record<string, (context: RunContext) => Promise<SectionResult>> = {
  issuance: runIssuance,
  handler: runHandler,
  throughput: runThroughput,
  coldstart: runColdStart,
  batch: runBatch,
  keypool: runKeyPool,
  kms: runKms,
};

/** 400 KB, as the target says: decimal kilobytes. */
const MAX_BUNDLE_BYTES = 400_000;

function targets(sections: Map<string, SectionResult>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const issuance = sections.get("issuance")?.figures as
    | Record<string, { ratioToFloor?: number; adjustedRatioToFloor?: number }>
    | undefined;
  const server = issuance?.["server/RSA-2048"];
  if (server?.ratioToFloor !== undefined) {
    checks.push(
      checkTarget(
        "server cert, server-made RSA-2048 key (median / floor median)",
        server.ratioToFloor,
        "max",
        1.1,
        "× floor",
      ),
    );
  }
  const overhead = issuance?.["server-overhead/RSA-2048"];
  if (overhead?.adjustedRatioToFloor !== undefined) {
    checks.push(
      checkTarget(
        "  same, as (floor + median time outside key generation) / floor",
        overhead.adjustedRatioToFloor,
        "max",
        1.1,
        "× floor",
      ),
    );
  }
  const throughput = sections.get("throughput")?.figures as Record<string, { perSecond: number }> | undefined;
  if (throughput) {
    for (const [way, limit] of [
      ["core", 2000],
      ["http", 1000],
    ] as const) {
      for (const kind of ["EC-P256 key", "EC-P256 CSR"]) {
        const best = [1, 2, 4]
          .map((c) => ({ c, rate: throughput[`${way}/${kind}/c${c}`]?.perSecond ?? 0 }))
          .reduce((a, b) => (b.rate > a.rate ? b : a));
        checks.push(
          checkTarget(
            `${way === "core" ? "core" : "HTTP"} throughput, device ${kind} (best: concurrency ${best.c})`,
            best.rate,
            "min",
            limit,
            "certs/s",
          ),
        );
      }
    }
  }
  const cold = sections.get("coldstart")?.figures as
    | Record<string, { bundleBytes: number; firstS3Call: string | null; overFloorMs: number; coldStartMs: number }>
    | undefined;
  if (cold) {
    const functions = Object.entries(cold).filter(([key]) => key.endsWith("Function")) as [
      string,
      { bundleBytes: number; firstS3Call: string | null; overFloorMs: number; coldStartMs: number },
    ][];
    const largest = functions.reduce((a, b) => (b[1].bundleBytes > a[1].bundleBytes ? b : a));
    checks.push(
      checkTarget(
        `largest bundle (${largest[0]})`,
        largest[1].bundleBytes / 1000,
        "max",
        MAX_BUNDLE_BYTES / 1000,
        "KB",
      ),
    );
    for (const [name, figures] of functions) {
      const withSdk = figures.firstS3Call !== null;
      checks.push(
        checkTarget(
          withSdk ? `cold start over its SDK floor: ${name}` : `cold start over bare node: ${name} (no SDK client)`,
          withSdk ? figures.overFloorMs : figures.coldStartMs,
          "max",
          MAX_OVER_FLOOR_MS,
          "ms",
        ),
      );
    }
  }
  const pool = sections.get("keypool")?.figures as { pooledPacedRatioToFloor: number } | undefined;
  if (pool) {
    checks.push(
      checkTarget(
        "server cert, RSA-2048, local server with key pool (median / floor median)",
        pool.pooledPacedRatioToFloor,
        "max",
        1,
        "× floor",
      ),
    );
  }
  const batch = sections.get("batch")?.figures as
    | {
        certificates: number;
        totalMs: number;
        peakRssAfterFirstCallBytes: number;
        peakRssAfterLastCallBytes: number;
        peakRssAfterDoubleBytes: number;
      }
    | undefined;
  if (batch) {
    const scale = 10_000 / batch.certificates;
    checks.push(
      checkTarget(
        `${batch.certificates.toLocaleString("en-US")} certs via the batch route${scale === 1 ? "" : ` (scaled to 10,000: ${round((batch.totalMs * scale) / 1000)} s)`}`,
        batch.totalMs / 1000,
        "max",
        10 / scale,
        "s",
      ),
    );
    const growth = batch.peakRssAfterLastCallBytes / batch.peakRssAfterFirstCallBytes;
    checks.push(
      checkTarget("server peak RSS, after last call / after first call (warm-up included)", growth, "max", 1.1, "×"),
    );
    const doubling = batch.peakRssAfterDoubleBytes / batch.peakRssAfterLastCallBytes;
    checks.push(
      checkTarget(
        `server peak RSS, after ${(2 * batch.certificates).toLocaleString("en-US")} certs / after ${batch.certificates.toLocaleString("en-US")}`,
        doubling,
        "max",
        1.1,
        "×",
      ),
    );
  }
  return checks;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0)
    throw new Error(`unknown section(s) ${unknown.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}`);
  const selected = Object.keys(SECTIONS).filter((name) => options.only.length === 0 || options.only.includes(name));
  const machine = machineInfo();
  const started = performance.now();
  const context: RunContext = {
    quick: options.quick,
    progress: (message) =>
      process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}\n`),
  };
  const sections = new Map<string, SectionResult>();
  for (const name of selected) {
    const section = await (SECTIONS[name] as (context: RunContext) => Promise<SectionResult>)(context);
    sections.set(name, section);
    printSection(section);
  }
  const checks = targets(sections);
  if (checks.length > 0) {
    console.log("\n## Targets\n");
    console.log(
      formatTable(
        ["target", "figure", "limit", "met"],
        checks.map((check) => [
          check.target,
          `${check.figure} ${check.unit}`,
          `${check.kind === "max" ? "≤" : "≥"} ${check.limit} ${check.unit}`,
          check.met ? "met" : "MISSED",
        ]),
      ),
    );
  }
  const durationS = (performance.now() - started) / 1000;
  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    mode: options.quick ? "quick" : "full",
    date: new Date().toISOString(),
    durationS: round(durationS),
    machine: {
      ...machine,
      loadAverageAtStart: machine.loadAverage,
      loadAverageAtEnd: loadavg().map((v) => round(v, 3)),
    },
    sections: Object.fromEntries([...sections].map(([name, section]) => [name, section])),
    targets: checks,
  };
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(options.output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\n${selected.length} section(s) in ${durationS.toFixed(1)} s on ${machine.nproc} × ${machine.cpuModel}, node ${machine.node}, OpenSSL ${machine.openssl}; load average ${machine.loadAverage.join(" ")} at start, ${loadavg()
      .map((v) => v.toFixed(2))
      .join(" ")} at end. Results: ${options.output}`,
  );
}

function printSection(section: SectionResult): void {
  console.log(`\n## ${section.title}\n`);
  console.log(formatTable(section.headers, section.rows));
  for (const note of section.notes ?? []) console.log(`  ${note}`);
}

await main();
