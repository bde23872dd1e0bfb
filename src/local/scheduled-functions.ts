/**
 * The template's scheduled functions (the expiry scan), run locally: the
 * local server runs each at start and then at its schedule's rate;
 * `iot-certs expiry-scan` runs them once. Same bundles as Lambda runs, with
 * the same configuration (local store or bucket) from the environment.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundlePath, readFunctions } from "./sam-template.js";

export interface ScheduledFunction {
  logicalId: string;
  /** The template's schedule expression, e.g. `rate(1 day)`. */
  schedule: string;
  /** How often the local server runs it: the `rate()` of the schedule; daily for a `cron()`. */
  intervalMs: number;
  run(): Promise<unknown>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: DAY_MS };

/** The interval of `rate(<n> <unit>)`; a day for anything else (cron expressions run daily locally). */
export function scheduleIntervalMs(expression: string): number {
  const match = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(expression.trim());
  if (!match) return DAY_MS;
  return Math.max(60_000, Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** Loads every function of the template that has a schedule, from the built bundles. */
export async function loadScheduledFunctions(options: {
  templatePath: string;
  bundleDirectory: string;
}): Promise<ScheduledFunction[]> {
  const loaded: ScheduledFunction[] = [];
  for (const fn of readFunctions(options.templatePath)) {
    const schedule = fn.schedules[0];
    if (schedule === undefined) continue;
    const [, exportName = "handler"] = /\.([^.]+)$/.exec(fn.handler) ?? [];
    const module = (await import(pathToFileURL(join(options.bundleDirectory, bundlePath(fn))).href)) as Record<
      string,
      (event: unknown, context: unknown) => Promise<unknown>
    >;
    const handler = module[exportName];
    if (typeof handler !== "function") throw new Error(`${fn.logicalId}: ${fn.handler} is not a function`);
    loaded.push({
      logicalId: fn.logicalId,
      schedule,
      intervalMs: scheduleIntervalMs(schedule),
      // What EventBridge Scheduler sends when a schedule has no Input: nothing the handler reads.
      run: () => handler({}, { awsRequestId: `local-${fn.logicalId}-${Date.now()}` }),
    });
  }
  return loaded;
}

/**
 * Runs each function after `firstRunDelayMs` (default 0) and then at its
 * interval; one run at a time per function (a slow run is not overlapped).
 * Failures are reported and the schedule goes on. Returns a function that
 * stops the timers.
 */
export function startSchedules(
  functions: ScheduledFunction[],
  onError: (fn: ScheduledFunction, error: unknown) => void,
  options: { firstRunDelayMs?: number } = {},
): () => void {
  const timers = functions.flatMap((fn) => {
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      fn.run()
        .catch((error: unknown) => onError(fn, error))
        .finally(() => {
          busy = false;
        });
    };
    const first = setTimeout(tick, options.firstRunDelayMs ?? 0).unref();
    return [first, setInterval(tick, fn.intervalMs).unref()];
  });
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
