/**
 * EventPublisher on Amazon EventBridge (`PutEvents`), on an injected
 * `EventBridgeClient` (created once per execution environment by the
 * composition root).
 *
 * Delivery: entries go in calls of at most 10 entries and 256 KiB (the
 * PutEvents limits), a few calls at once. A call that fails as a whole is
 * retried by the client's own retry strategy (throttling, 5xx, network; with
 * its exponential backoff and `AWS_MAX_ATTEMPTS`); entries that EventBridge
 * refused one by one (`FailedEntryCount`) are sent again, alone, with the
 * same full-jitter backoff, up to `entryAttempts` times. What still fails is
 * reported (logged with the serial numbers) and dropped: publishing never
 * throws, since the certificates are stored by then.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { CertificateEvent } from "../core/events/certificate-events.js";
import { EVENT_SOURCE } from "../core/events/event-types.js";
import type { EventPublisher } from "../core/ports.js";
import { reportToStandardError, type UndeliveredEventsReporter } from "./undelivered-events.js";

/** Most entries one PutEvents call takes. */
export const MAX_ENTRIES_PER_CALL = 10;
/** Largest PutEvents request (the entries' sizes as EventBridge counts them). */
export const MAX_BYTES_PER_CALL = 256 * 1024;
/** PutEvents calls in flight at once for one publish (a batch of 1,000 devices makes 100). */
const CONCURRENT_CALLS = 8;

export interface EventBridgeEventPublisherOptions {
  /** Name (or ARN) of the event bus; `default` for the account's default bus. */
  eventBusName: string;
  /** Attempts for entries refused one by one (FailedEntryCount); default 3. */
  entryAttempts?: number | undefined;
  /** Where undelivered events are reported; stderr by default. */
  onUndelivered?: UndeliveredEventsReporter | undefined;
  /** Waits between entry attempts; a test seam (default: setTimeout). */
  sleep?: ((milliseconds: number) => Promise<void>) | undefined;
}

/** The SDK's default backoff: full jitter on 100 ms × 2^attempt, at most 20 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(20_000, 100 * 2 ** attempt);
}

export class EventBridgeEventPublisher implements EventPublisher {
  private readonly entryAttempts: number;
  private readonly report: UndeliveredEventsReporter;
  private readonly sleep: (milliseconds: number) => Promise<void>;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventBridgeEventPublisherOptions,
  ) {
    this.entryAttempts = options.entryAttempts ?? 3;
    this.report = options.onUndelivered ?? reportToStandardError;
    this.sleep = options.sleep ?? ((milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)));
  }

  async publish(events: CertificateEvent[]): Promise<void> {
    const calls = callsOf(events.map((event) => ({ event, entry: this.entryOf(event) })));
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < calls.length; index = next++) {
        await this.deliver(calls[index] as Pending[]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_CALLS, calls.length) }, worker));
  }

  private entryOf(event: CertificateEvent): PutEventsRequestEntry {
    return {
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      EventBusName: this.options.eventBusName,
      ...(event.resources.length > 0 ? { Resources: event.resources } : {}),
    };
  }

  /** Sends one call's entries, then re-sends the ones refused one by one. */
  private async deliver(call: Pending[]): Promise<void> {
    let pending = call;
    for (let attempt = 1; ; attempt += 1) {
      let failed: { pending: Pending; code: string }[];
      try {
        const response = await this.client.send(new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }));
        failed = pending.flatMap((item, index) => {
          const code = response.Entries?.[index]?.ErrorCode;
          return code ? [{ pending: item, code }] : [];
        });
        // A response without per-entry results but a failure count: treat the whole call as failed.
        if (failed.length === 0 && (response.FailedEntryCount ?? 0) > 0) {
          failed = pending.map((item) => ({ pending: item, code: "UnknownFailure" }));
        }
      } catch (error) {
        // The client has retried already (its retry strategy and backoff): give up on this call.
        this.report({ events: pending.map(({ event }) => event), error });
        return;
      }
      if (failed.length === 0) return;
      if (attempt >= this.entryAttempts) {
        const codes = [...new Set(failed.map(({ code }) => code))].join(", ");
        this.report({
          events: failed.map(({ pending: item }) => item.event),
          error: new Error(`EventBridge refused ${failed.length} of the entries after ${attempt} attempts: ${codes}`),
        });
        return;
      }
      await this.sleep(backoffMs(attempt));
      pending = failed.map(({ pending: item }) => item);
    }
  }
}

interface Pending {
  event: CertificateEvent;
  entry: PutEventsRequestEntry;
}

/** Splits entries into PutEvents calls: at most 10 entries and 256 KiB each, in order. */
function callsOf(items: Pending[]): Pending[][] {
  const calls: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (current.length === MAX_ENTRIES_PER_CALL || (current.length > 0 && bytes + size > MAX_BYTES_PER_CALL)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** An entry's size as EventBridge counts it: Time (14 bytes when set), Source, DetailType, Detail, Resources. */
function entrySize(entry: PutEventsRequestEntry): number {
  const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, "utf8"));
  return (
    14 +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8(resource), 0)
  );
}
