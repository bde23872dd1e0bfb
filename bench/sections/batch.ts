/**
 * Fleet issuance over HTTP: N EC-P256 device certificates through
 * POST /certificates/device/batch (1,000 per call, one call after another)
 * against a fresh local server; total time, and the server's peak resident
 * memory (VmHWM) after the first call and after the last. The server then
 * issues N more (untimed) and its peak is read again: peak at 2N against
 * peak at N says whether memory grows with N, apart from the warm-up
 * (compiled code, caches, V8 sizing its heap) that the first calls carry.
 *
 * Each run's store is removed when the benchmark process exits, not when the
 * run ends: on a file system that does not reuse freshly freed inodes (ext4
 * without a journal, as on the machine in BENCHMARKS.md), creating files in
 * the ~30 s after deleting a run's ~70,000 files costs several times more,
 * so runs 2 and 3 measured the clean-up of the run before them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Cell, formatBytes, formatDuration, formatRate, median, round } from "../stats.js";
import { expectStatus, startBenchServer } from "../support/local-server.js";
import { memoryOf } from "../support/machine.js";
import type { RunContext, SectionResult } from "../support/report.js";

export const BATCH_SIZE = 1000;

export async function runBatch(context: RunContext): Promise<SectionResult> {
  const total = context.quick ? 2000 : 10_000;
  const repetitions = context.quick ? 1 : 3;
  const runs: {
    totalMs: number;
    callMs: number[];
    peakAfterFirst: number;
    peakAfterLast: number;
    peakAfterDouble: number;
    peakBefore: number;
    rssAfterLast: number;
  }[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    context.progress(
      `batch: ${total} EC-P256 device certificates in calls of ${BATCH_SIZE} (run ${repetition + 1} of ${repetitions})`,
    );
    const store = mkdtempSync(join(tmpdir(), "iot-certs-bench-batch-"));
    process.once("exit", () => rmSync(store, { recursive: true, force: true }));
    const server = await startBenchServer({ LOCAL_STORE_DIR: store });
    try {
      expectStatus(
        await server.post("/certificates/root", { organization: "Bench", key_algorithm: "EC-P256" }),
        201,
        "root",
      );
      expectStatus(
        await server.post("/certificates/intermediate", {
          name: "devices",
          organization: "Bench",
          key_algorithm: "EC-P256",
        }),
        201,
        "intermediate",
      );
      const peakBefore = memoryOf(server.pid).peakRss;
      const callMs: number[] = [];
      let peakAfterFirst = 0;
      const started = performance.now();
      for (let issued = 0; issued < total; issued += BATCH_SIZE) {
        const count = Math.min(BATCH_SIZE, total - issued);
        const callStarted = performance.now();
        const response = await server.post("/certificates/device/batch", {
          count,
          issuer: "devices",
          organization: "Bench",
        });
        callMs.push(performance.now() - callStarted);
        expectStatus(response, 201, "batch");
        if (response.body.issued !== count) throw new Error(`batch issued ${response.body.issued} of ${count}`);
        if (issued === 0) peakAfterFirst = memoryOf(server.pid).peakRss;
      }
      const totalMs = performance.now() - started;
      const memory = memoryOf(server.pid);
      for (let issued = 0; issued < total; issued += BATCH_SIZE) {
        const count = Math.min(BATCH_SIZE, total - issued);
        const response = await server.post("/certificates/device/batch", {
          count,
          issuer: "devices",
          organization: "Bench",
        });
        expectStatus(response, 201, "batch");
      }
      const peakAfterDouble = memoryOf(server.pid).peakRss;
      runs.push({
        totalMs,
        callMs,
        peakBefore,
        peakAfterFirst,
        peakAfterLast: memory.peakRss,
        peakAfterDouble,
        rssAfterLast: memory.rss,
      });
    } finally {
      await server.stop();
    }
  }
  const totalMs = median(runs.map((r) => r.totalMs));
  const peakAfterFirst = median(runs.map((r) => r.peakAfterFirst));
  const peakAfterLast = median(runs.map((r) => r.peakAfterLast));
  const peakAfterDouble = median(runs.map((r) => r.peakAfterDouble));
  const peakBefore = median(runs.map((r) => r.peakBefore));
  const figures = {
    certificates: total,
    totalMs: round(totalMs),
    perSecond: round((total * 1000) / totalMs),
    callMedianMs: round(median(runs.flatMap((r) => r.callMs))),
    peakRssBeforeBytes: peakBefore,
    peakRssAfterFirstCallBytes: peakAfterFirst,
    peakRssAfterLastCallBytes: peakAfterLast,
    peakRssGrowthAfterFirstCallBytes: peakAfterLast - peakAfterFirst,
    peakRssAfterDoubleBytes: peakAfterDouble,
    runs: runs.map((r) => ({
      totalMs: round(r.totalMs),
      peakRssAfterFirst: r.peakAfterFirst,
      peakRssAfterLast: r.peakAfterLast,
      peakRssAfterDouble: r.peakAfterDouble,
    })),
  };
  const rows: Cell[][] = [
    ["certificates", total],
    ["total time", formatDuration(totalMs)],
    ["rate", formatRate(figures.perSecond)],
    [`one call of ${BATCH_SIZE} (median)`, formatDuration(figures.callMedianMs)],
    ["server peak RSS before batches", formatBytes(peakBefore)],
    ["server peak RSS after 1st call", formatBytes(peakAfterFirst)],
    [`server peak RSS after ${total / BATCH_SIZE} calls`, formatBytes(peakAfterLast)],
    [
      `server peak RSS after ${(2 * total) / BATCH_SIZE} calls (${(2 * total).toLocaleString("en-US")} certificates)`,
      formatBytes(peakAfterDouble),
    ],
  ];
  return {
    id: "batch",
    title: `Batch route: ${total.toLocaleString("en-US")} EC-P256 device certificates over HTTP (local server, file store)`,
    headers: ["figure", "value"],
    rows,
    figures,
    notes: [
      `Median of ${repetitions} run(s), each on a fresh server process and store (stores removed at exit). Peak RSS = /proc/<pid>/status VmHWM.`,
    ],
  };
}
