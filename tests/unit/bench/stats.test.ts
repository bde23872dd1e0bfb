/**
 * The benchmark harness's pure helpers (bench/stats.ts): statistics, units,
 * the printed table, target checks and options. Never timings: the harness
 * measures, `npm run bench` runs it.
 */
import { describe, expect, it } from "vitest";
import {
  checkTarget,
  formatBytes,
  formatDuration,
  formatRate,
  formatRatio,
  formatTable,
  median,
  parseOptions,
  percentile,
  round,
  summarize,
} from "../../../bench/stats.js";

describe("median", () => {
  it("is the middle value of an odd count, whatever the order", () => {
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([9, 1, 8, 2, 7])).toBe(7);
  });

  it("is the mean of the two middle values of an even count", () => {
    expect(median([1, 2])).toBe(1.5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("is not moved by one outlier, unlike the mean", () => {
    expect(median([10, 11, 12, 13, 10_000])).toBe(12);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it("refuses an empty list", () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe("percentile and summarize", () => {
  it("interpolates between closest ranks", () => {
    expect(percentile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4, 5], 25)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 100)).toBe(5);
    expect(() => percentile([1], 101)).toThrow();
  });

  it("summarizes samples", () => {
    expect(summarize([4, 2, 8, 6])).toEqual({ median: 5, min: 2, max: 8, p25: 3.5, p75: 6.5, n: 4 });
  });
});

describe("units", () => {
  it("rounds to significant digits", () => {
    expect(round(1234.5678)).toBe(1235);
    expect(round(0.012345678)).toBe(0.01235);
    expect(round(1.0500001, 3)).toBe(1.05);
    expect(round(0)).toBe(0);
  });

  it("formats durations, sizes, rates and ratios", () => {
    expect(formatDuration(0.4123)).toBe("0.412 ms");
    expect(formatDuration(12.34)).toBe("12.3 ms");
    expect(formatDuration(123.4)).toBe("123 ms");
    expect(formatDuration(1850)).toBe("1.85 s");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(39_117)).toBe("38.2 KiB");
    expect(formatBytes(1_478_492)).toBe("1.41 MiB");
    expect(formatRate(2345.4)).toBe("2,345/s");
    expect(formatRatio(1.0749)).toBe("1.07×");
  });
});

describe("formatTable", () => {
  it("aligns text left and figures (with their headers) right, under a rule", () => {
    const table = formatTable(
      ["measure", "median", "n"],
      [
        ["floor", "81.2 ms", 151],
        ["server certificate", "1.85 s", 7],
      ],
    );
    expect(table.split("\n")).toEqual([
      "measure              median    n",
      "------------------  -------  ---",
      "floor               81.2 ms  151",
      "server certificate   1.85 s    7",
    ]);
  });

  it("prints a missing cell as a dash and keeps every line the same width or shorter", () => {
    const lines = formatTable(
      ["a", "b"],
      [
        ["x", undefined],
        ["longer", "y"],
      ],
    ).split("\n");
    expect(lines[2]).toBe("x       –");
    expect(lines[3]).toBe("longer  y");
    expect(new Set(lines.slice(1).map((line) => line.length)).size).toBe(1);
  });

  it("rounds raw numbers to four significant digits", () => {
    expect(
      formatTable(["v"], [[1234.5678], [0.012345678]])
        .split("\n")
        .slice(2),
    ).toEqual(["   1235", "0.01235"]);
  });
});

describe("checkTarget", () => {
  it("compares against an upper or a lower limit", () => {
    expect(checkTarget("ratio", 1.08, "max", 1.1, "×").met).toBe(true);
    expect(checkTarget("ratio", 1.12, "max", 1.1, "×").met).toBe(false);
    expect(checkTarget("rate", 2500, "min", 2000, "/s").met).toBe(true);
    expect(checkTarget("rate", 1999, "min", 2000, "/s")).toMatchObject({ met: false, figure: 1999, limit: 2000 });
  });
});

describe("parseOptions", () => {
  it("defaults to the full run writing bench/results.json", () => {
    expect(parseOptions([])).toEqual({ quick: false, only: [], output: "bench/results.json" });
  });

  it("reads --quick, --only and --output", () => {
    expect(parseOptions(["--quick", "--only=issuance,batch", "--output=/tmp/r.json"])).toEqual({
      quick: true,
      only: ["issuance", "batch"],
      output: "/tmp/r.json",
    });
  });

  it("refuses unknown options with the usage", () => {
    expect(() => parseOptions(["--fast"])).toThrow(/usage: npm run bench/);
  });
});
