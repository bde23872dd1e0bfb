/**
 * Pure helpers of the benchmark harness: statistics, units and the printed
 * table. No timing and no I/O here, so tests/unit/bench can check them.
 */

/** Median of `values` (mean of the two middle values for an even count). Throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `p`-th percentile (0..100) by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (p < 0 || p > 100) throw new Error("percentile must be within 0..100");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low);
}

/** Summary of repeated samples: the median is the figure; spread shows how noisy it was. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    p25: percentile(values, 25),
    p75: percentile(values, 75),
    n: values.length,
  };
}

/** Rounds to `digits` significant digits (figures in results.json stay readable). */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = 10 ** (digits - 1 - magnitude);
  return Math.round(value * factor) / factor;
}

/** Milliseconds for humans: `0.412 ms`, `12.3 ms`, `1.85 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (Math.abs(ms) >= 100) return `${ms.toFixed(0)} ms`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** Bytes for humans, in binary units: `512 B`, `38.2 KiB`, `1.41 MiB`. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  if (Math.abs(bytes) < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** A rate for humans: `2,345/s`. */
export function formatRate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
}

/** A ratio for humans: `1.07×`. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

export type Cell = string | number | undefined;

/**
 * A plain-text table: a header row, a rule, then the rows. Text columns are
 * left-aligned, numeric ones right-aligned; a missing cell prints as `–`.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, column) => cellText(row[column])));
  const numeric = headers.map((_, column) =>
    rows.every((row) => row[column] === undefined || typeof row[column] === "number" || isNumericText(row[column])),
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...text.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...text.map(line)].join("\n");
}

function cellText(cell: Cell): string {
  if (cell === undefined) return "–";
  return typeof cell === "number" ? String(round(cell)) : cell;
}

/** Looks like a formatted figure (`12.3 ms`, `2,345/s`, `1.07×`, `38.2 KiB`): right-align it. */
function isNumericText(cell: Cell): boolean {
  return typeof cell === "string" && /^[-+]?[\d,.]+( ?(ms|s|B|KiB|MiB|\/s|×|%))?$/.test(cell);
}

/** A target and whether a figure meets it. */
export interface TargetCheck {
  target: string;
  figure: number;
  limit: number;
  unit: string;
  /** `max`: the figure must be at most the limit; `min`: at least. */
  kind: "max" | "min";
  met: boolean;
}

export function checkTarget(
  target: string,
  figure: number,
  kind: "max" | "min",
  limit: number,
  unit: string,
): TargetCheck {
  return { target, figure: round(figure), limit, unit, kind, met: kind === "max" ? figure <= limit : figure >= limit };
}

/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  quick: boolean;
  /** Only the named sections (`--only=floor,core`); all when empty. */
  only: string[];
  /** Where to write the JSON results. */
  output: string;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { quick: false, only: [], output: "bench/results.json" };
  for (const argument of argv) {
    if (argument === "--quick") options.quick = true;
    else if (argument.startsWith("--only=")) options.only = argument.slice("--only=".length).split(",").filter(Boolean);
    else if (argument.startsWith("--output=")) options.output = argument.slice("--output=".length);
    else if (argument === "--help" || argument === "-h") throw new Error(USAGE);
    else throw new Error(`unknown option ${argument}\n${USAGE}`);
  }
  return options;
}

export const USAGE =
  "usage: npm run bench [-- --quick] [--only=floor,core,handler,throughput,coldstart,batch] [--output=bench/results.json]";
