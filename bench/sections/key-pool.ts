/**
 * Below the floor: a server certificate with a server-made RSA-2048 key over
 * HTTP from the local server with its key pool (KEY_POOL_SIZE=4) and without
 * it (KEY_POOL_SIZE=0), against the crypto floor (RSA-2048 key generation +
 * one signature with node:crypto), interleaved round by round.
 *
 * Paced: one request, then a pause long enough for the pool to make the key
 * that replaces the one taken (what a person or a CI job provisioning a few
 * brokers sees). Burst: 12 requests back to back, which empties a pool of 4
 * and shows what a caller pays once it is empty (the floor again).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Cell, formatDuration, formatRatio, round, summarize } from "../stats.js";
import { cryptoFloor } from "../support/crypto-floor.js";
import { type BenchServer, expectStatus, startBenchServer } from "../support/local-server.js";
import type { RunContext, SectionResult } from "../support/report.js";
import { timeIt } from "../support/timing.js";

const POOL_SIZE = 4;
/** Longer than an RSA-2048 key generation here (p95 ~0.5 s), so a paced request finds the pool refilled. */
const PAUSE_MS = 900;
const BURST = 12;

async function createHierarchy(server: BenchServer): Promise<void> {
  for (const [path, body] of [
    ["/certificates/root", { name: "default", organization: "Bench", key_algorithm: "EC-P256" }],
    ["/certificates/intermediate", { name: "servers", organization: "Bench", key_algorithm: "EC-P256" }],
  ] as const) {
    expectStatus(await server.post(path, body), 201, `POST ${path}`);
  }
}

let sequence = 0;
async function issueServer(server: BenchServer): Promise<number> {
  const fqdn = `broker-${++sequence}.bench.example.com`;
  return timeIt(async () =>
    expectStatus(
      await server.post("/certificates/server", { fqdn, issuer: "servers", key_algorithm: "RSA-2048" }),
      201,
      "POST /certificates/server",
    ),
  );
}

export async function runKeyPool(context: RunContext): Promise<SectionResult> {
  const rounds = context.quick ? 4 : 25;
  const pooled = await startBenchServer({ KEY_POOL_SIZE: String(POOL_SIZE) });
  const unpooled = await startBenchServer({ KEY_POOL_SIZE: "0" });
  try {
    await createHierarchy(pooled);
    await createHierarchy(unpooled);
    // The pool starts at the server's first issuance (the root above); give it time to make its 4 keys.
    await sleep(3_000);
    const floor: number[] = [];
    const withoutPool: number[] = [];
    const paced: number[] = [];
    context.progress(`key pool: ${rounds} paced rounds (pooled request, ${PAUSE_MS} ms pause, floor, unpooled)`);
    for (let round = 0; round < rounds; round++) {
      paced.push(await issueServer(pooled));
      await sleep(PAUSE_MS);
      floor.push(await timeIt(() => cryptoFloor("RSA-2048")));
      withoutPool.push(await issueServer(unpooled));
    }
    context.progress(`key pool: burst of ${BURST} requests`);
    const bursts: number[][] = [];
    for (let run = 0; run < (context.quick ? 1 : 3); run++) {
      await sleep(4_000); // a full pool again
      const burst: number[] = [];
      for (let i = 0; i < BURST; i++) burst.push(await issueServer(pooled));
      bursts.push(burst);
    }
    const floorSummary = summarize(floor);
    const pacedSummary = summarize(paced);
    const unpooledSummary = summarize(withoutPool);
    const firstOfBurst = summarize(bursts.flatMap((burst) => burst.slice(0, POOL_SIZE)));
    const restOfBurst = summarize(bursts.flatMap((burst) => burst.slice(POOL_SIZE)));
    const row = (label: string, summary: ReturnType<typeof summarize>): Cell[] => [
      label,
      formatDuration(summary.median),
      `${formatDuration(summary.p25)}–${formatDuration(summary.p75)}`,
      formatRatio(summary.median / floorSummary.median),
    ];
    return {
      id: "keypool",
      title: `Server certificate, server-made RSA-2048 key, over HTTP: key pool of ${POOL_SIZE} vs none vs the floor (${rounds} rounds)`,
      headers: ["", "median", "p25–p75", "÷ floor median"],
      rows: [
        row("crypto floor (node:crypto keygen + sign)", floorSummary),
        row("local server without pool (KEY_POOL_SIZE=0)", unpooledSummary),
        row(`local server with pool, paced (${PAUSE_MS} ms apart)`, pacedSummary),
        row(`  burst of ${BURST}: first ${POOL_SIZE} requests`, firstOfBurst),
        row(`  burst of ${BURST}: requests ${POOL_SIZE + 1}–${BURST} (pool empty)`, restOfBurst),
      ],
      figures: {
        poolSize: POOL_SIZE,
        rounds,
        floorMs: round(floorSummary.median),
        unpooledMs: round(unpooledSummary.median),
        pooledPacedMs: round(pacedSummary.median),
        pooledPacedRatioToFloor: round(pacedSummary.median / floorSummary.median, 3),
        unpooledRatioToFloor: round(unpooledSummary.median / floorSummary.median, 3),
        burstFirstMs: round(firstOfBurst.median),
        burstRestMs: round(restOfBurst.median),
        samples: { floor, unpooled: withoutPool, paced, bursts },
      },
      notes: [
        "Each paced pooled request is followed by a pause before the floor and the unpooled request are timed, so the pool's background key generation does not overlap them.",
      ],
    };
  } finally {
    await pooled.stop();
    await unpooled.stop();
  }
}
