/**
 * The scheduled expiry scan (EventBridge Scheduler, daily by default; the
 * local server runs it at start and then daily, `iot-certs expiry-scan` on
 * demand): one `Certificate Expiring` event per certificate and threshold
 * crossed (`EXPIRY_WARNING_DAYS`, default 30,7,1). It stops between pages
 * when fewer than STOP_MARGIN_MS of the invocation remain, and says so;
 * warnings already sent are never sent again by the next run.
 */
import { certificateRepository, eventPublisher, expiryWarningDays } from "../composition-root.js";
import { type ExpiryScanSummary, scanExpiringCertificates } from "../core/lifecycle/scan-expiring-certificates.js";
import { logInfo, logWarn, withLogContext } from "../http/log.js";

/** Time kept free at the end of an invocation: the last page and its events. */
const STOP_MARGIN_MS = 20_000;

/** The part of the Lambda context the scan uses. */
interface InvocationContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export async function handler(_event?: unknown, context?: InvocationContext): Promise<ExpiryScanSummary> {
  return withLogContext({ requestId: context?.awsRequestId }, async () => {
    const thresholdsDays = expiryWarningDays();
    const remaining = context?.getRemainingTimeInMillis;
    const summary = await scanExpiringCertificates({ thresholdsDays }, certificateRepository(), {
      events: eventPublisher(),
      shouldStop: remaining ? () => remaining() < STOP_MARGIN_MS : undefined,
    });
    const fields = { thresholds_days: thresholdsDays, ...summary };
    if (summary.complete) logInfo("expiry scan finished", fields);
    else logWarn("expiry scan stopped before the end of the inventory (time limit); the next run goes on", fields);
    return summary;
  });
}
