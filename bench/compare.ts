/**
 * `npm run bench:compare -- --baseline=<dir> [--rounds=3] [--quick]`
 *
 * An interleaved A/B of the figures users feel, between this checkout (B)
 * and another built checkout (A, e.g. a `git worktree` of an earlier
 * commit, after `npm ci` and bundling its bench): EC-P256 device
 * certificates over local HTTP at concurrency 1 and 4, 10,000 devices
 * through the batch route, and an RSA-2048 server certificate divided by
 * the key-generation floor. Each round runs both benches, alternating which
 * goes first, so that a machine whose speed drifts during the run moves both
 * alike; the figures are medians over rounds, and the verdict is B within
 * 10 % of A (the target of issue 11).
 *
 * Each side runs its own `dist/bench/run.mjs` in its own directory, so each
 * measures its own code and bundles; only the sections named here run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatTable, median, round } from "./stats.js";

interface Figure {
  /** What users feel, as the table prints it. */
  label: string;
  unit: string;
  /** Whether a larger figure is better (rates) or worse (times, ratios). */
  higherIsBetter: boolean;
  /** Reads the figure from a bench's results.json. */
  read(results: BenchResults): number | undefined;
}

interface BenchResults {
  sections: Record<string, { figures: Record<string, unknown> } | undefined>;
}

const section = (results: BenchResults, id: string) => results.sections[id]?.figures as Record<string, any> | undefined;

const FIGURES: Figure[] = [
  {
    label: "HTTP, EC-P256 device certificates, concurrency 1",
    unit: "certs/s",
    higherIsBetter: true,
    read: (r) => section(r, "throughput")?.["http/EC-P256 key/c1"]?.perSecond,
  },
  {
    label: "HTTP, EC-P256 device certificates, concurrency 4",
    unit: "certs/s",
    higherIsBetter: true,
    read: (r) => section(r, "throughput")?.["http/EC-P256 key/c4"]?.perSecond,
  },
  {
    label: "batch route, 10,000 devices",
    unit: "s",
    higherIsBetter: false,
    read: (r) => {
      const batch = section(r, "batch");
      return batch ? (batch.totalMs * (10_000 / batch.certificates)) / 1000 : undefined;
    },
  },
  {
    label: "RSA-2048 server certificate ÷ key-generation floor",
    unit: "× floor",
    higherIsBetter: false,
    read: (r) => section(r, "issuance")?.["server/RSA-2048"]?.ratioToFloor,
  },
];

/** Within 10 % of the baseline, in the direction that matters. */
const TOLERANCE = 0.1;

function parse(argv: string[]): { baseline: string; rounds: number; quick: boolean } {
  let baseline: string | undefined;
  let rounds = 3;
  let quick = false;
  for (const argument of argv) {
    if (argument.startsWith("--baseline=")) baseline = resolve(argument.slice("--baseline=".length));
    else if (argument.startsWith("--rounds=")) rounds = Number(argument.slice("--rounds=".length));
    else if (argument === "--quick") quick = true;
    else
      throw new Error(
        `unknown option ${argument}\nusage: npm run bench:compare -- --baseline=<dir> [--rounds=3] [--quick]`,
      );
  }
  if (!baseline) throw new Error("--baseline=<dir> is required: a built checkout to compare with");
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) throw new Error("--rounds must be 1 to 20");
  return { baseline, rounds, quick };
}

function runBench(directory: string, output: string, quick: boolean): Promise<BenchResults> {
  const args = ["dist/bench/run.mjs", "--only=issuance,throughput,batch", `--output=${output}`];
  if (quick) args.push("--quick");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: directory, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`bench in ${directory} exited with ${code}`));
      else resolvePromise(JSON.parse(readFileSync(output, "utf8")) as BenchResults);
    });
  });
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const sides = { A: options.baseline, B: resolve(".") };
  const scratch = mkdtempSync(join(tmpdir(), "bench-compare-"));
  const values: Record<"A" | "B", number[][]> = { A: FIGURES.map(() => []), B: FIGURES.map(() => []) };
  for (let round = 0; round < options.rounds; round++) {
    const order: ("A" | "B")[] = round % 2 === 0 ? ["A", "B"] : ["B", "A"];
    for (const side of order) {
      process.stderr.write(`round ${round + 1}/${options.rounds}: ${side} (${sides[side]})\n`);
      const results = await runBench(sides[side], join(scratch, `${side}-${round}.json`), options.quick);
      FIGURES.forEach((figure, index) => {
        const value = figure.read(results);
        if (value !== undefined) values[side][index]?.push(value);
      });
    }
  }
  const rows = FIGURES.map((figure, index) => {
    const a = median(values.A[index] ?? []);
    const b = median(values.B[index] ?? []);
    const change = b / a - 1;
    const worse = figure.higherIsBetter ? -change : change;
    return [
      figure.label,
      `${round(a)} ${figure.unit}`,
      `${round(b)} ${figure.unit}`,
      `${change >= 0 ? "+" : ""}${round(change * 100, 1)} %`,
      worse <= TOLERANCE ? "met" : "MISSED",
    ];
  });
  console.log(`\n## A/B: ${sides.A} (A) against ${sides.B} (B), ${options.rounds} interleaved round(s)\n`);
  console.log(formatTable(["figure", "A", "B", "B − A", "within 10 %"], rows));
}

await main();
