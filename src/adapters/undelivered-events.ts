import type { CertificateEvent } from "../core/events/certificate-events.js";

/** Events an adapter gave up on, for its caller to log (the certificates themselves are stored). */
export interface UndeliveredEvents {
  events: CertificateEvent[];
  /** Why: the SDK's error after its retries, or EventBridge's per-entry error codes. */
  error: unknown;
}

/** Where undelivered events are reported: a structured log line in the composition root's wiring. */
export type UndeliveredEventsReporter = (undelivered: UndeliveredEvents) => void;

/** Fallback reporter: one JSON line on stderr naming the serial numbers, never the event details. */
export const reportToStandardError: UndeliveredEventsReporter = ({ events, error }) => {
  console.error(
    JSON.stringify({
      level: "ERROR",
      message: "certificate events not delivered",
      detail_types: [...new Set(events.map((event) => event.detailType))],
      serial_numbers: events.flatMap((event) => event.serialNumbers),
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    }),
  );
};
