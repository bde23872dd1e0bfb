/** The machine a run measured: what BENCHMARKS.md records next to the figures. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  openssl: string;
  totalMemoryMiB: number;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpuModel;
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: process.version,
    openssl: process.versions.openssl ?? "unknown",
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Peak resident set (VmHWM) and current resident set (VmRSS) of a process, in bytes (Linux). */
export function memoryOf(pid: number): { peakRss: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s*(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { peakRss: field("VmHWM"), rss: field("VmRSS") };
}
