/**
 * EventPublisher for local development: appends each event, as the JSON
 * envelope EventBridge delivers to its targets (`version`, `id`,
 * `detail-type`, `source`, `account`, `time`, `region`, `resources`,
 * `detail`), as one line of `events.jsonl` in the local store. One append
 * per publish call: the local server's function bundles share the file, and
 * an append of whole lines never interleaves with another's.
 */
import { randomUUID } from "node:crypto";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { CertificateEvent } from "../core/events/certificate-events.js";
import { EVENT_SOURCE } from "../core/events/event-types.js";
import type { EventPublisher } from "../core/ports.js";
import { reportToStandardError, type UndeliveredEventsReporter } from "./undelivered-events.js";

/** The file name of the event log in the local store. */
export const LOCAL_EVENTS_FILE = "events.jsonl";

/** The account and region a local event names (as ACM's local stand-in does). */
const LOCAL_ACCOUNT = "000000000000";
const LOCAL_REGION = "local";

export interface LocalEventPublisherOptions {
  /** The event time; `() => new Date()` by default. */
  clock?: (() => Date) | undefined;
  /** Where an event that could not be written is reported; stderr by default. */
  onUndelivered?: UndeliveredEventsReporter | undefined;
}

export class LocalEventPublisher implements EventPublisher {
  constructor(
    /** The `events.jsonl` file to append to (its folder is created when missing). */
    private readonly file: string,
    private readonly options: LocalEventPublisherOptions = {},
  ) {}

  async publish(events: CertificateEvent[]): Promise<void> {
    if (events.length === 0) return;
    const time = toEventTime((this.options.clock ?? (() => new Date()))());
    const lines = events.map((event) => `${JSON.stringify(localEnvelope(event, time))}\n`).join("");
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, lines, { encoding: "utf8", mode: 0o644 });
    } catch (error) {
      (this.options.onUndelivered ?? reportToStandardError)({ events, error });
    }
  }
}

/** The envelope EventBridge wraps a published entry in, as rules and their targets see it. */
export function localEnvelope(event: CertificateEvent, time: string): Record<string, unknown> {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": event.detailType,
    source: EVENT_SOURCE,
    account: LOCAL_ACCOUNT,
    time,
    region: LOCAL_REGION,
    resources: event.resources,
    detail: event.detail,
  };
}

/** EventBridge's time format: ISO 8601 in whole seconds (`2026-11-28T06:25:53Z`). */
function toEventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
