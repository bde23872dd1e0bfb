/**
 * `iot-certs events`: prints the local store's `events.jsonl` (one
 * EventBridge-shaped event per line, appended by the local server), and with
 * `--follow` keeps printing what is appended until interrupted. The file may
 * not exist yet: it is waited for.
 */
import { open, stat } from "node:fs/promises";

/** How often a followed file is checked for new lines. */
const POLL_MS = 200;

/** One line per event: time, detail type, then what the event is about. */
export function formatEvent(line: string): string {
  let event: { time?: string; "detail-type"?: string; detail?: Record<string, unknown> };
  try {
    event = JSON.parse(line);
  } catch {
    return line;
  }
  const detail = event.detail ?? {};
  const subject = detail.fqdn ?? detail.device_id ?? detail.name;
  const parts = [event.time ?? "", (event["detail-type"] ?? "").padEnd(20)];
  if (detail.kind) parts.push(`${detail.kind} ${subject ?? ""} ${detail.serial_number ?? ""}`.trim());
  if (detail.renews) parts.push(`renews ${detail.renews}`);
  if (detail.reason) parts.push(`reason ${detail.reason}`);
  if (detail.threshold_days !== undefined) {
    parts.push(`${detail.days_remaining} days left (threshold ${detail.threshold_days} d, until ${detail.not_after})`);
  }
  if (detail.crl_path) parts.push(`${detail.crl_path} #${detail.crl_number} (${detail.revoked_count} revoked)`);
  return parts.join("  ");
}

/** Prints the events in `file`; with `follow`, goes on until SIGINT/SIGTERM. Resolves the exit code. */
export async function followEvents(file: string, options: { follow: boolean; json: boolean }): Promise<number> {
  let offset = 0;
  let partial = "";
  const print = (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") console.log(options.json ? line : formatEvent(line));
  };
  const readNew = async (): Promise<boolean> => {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    if (size < offset) offset = 0; // the store was reset: start again
    if (size === offset) return true;
    const handle = await open(file, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      print(buffer.subarray(0, bytesRead).toString("utf8"));
    } finally {
      await handle.close();
    }
    return true;
  };
  const exists = await readNew();
  if (!options.follow) {
    if (!exists) console.error(`iot-certs: no events yet (${file} does not exist)`);
    return 0;
  }
  return new Promise<number>((resolve) => {
    const timer = setInterval(() => {
      readNew().catch((error: unknown) => {
        clearInterval(timer);
        console.error(`iot-certs: reading ${file} failed: ${(error as Error).message}`);
        resolve(1);
      });
    }, POLL_MS);
    const stop = () => {
      clearInterval(timer);
      resolve(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
