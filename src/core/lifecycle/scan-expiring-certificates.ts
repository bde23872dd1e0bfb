/**
 * The expiry scan: walks the inventory index and sends one `Certificate
 * Expiring` event per certificate and warning threshold crossed (30, 7 and
 * 1 days by default), never twice for the same threshold.
 *
 * It reads no certificate: the inventory keys carry kind, serial, issuer,
 * notAfter and subject, so 100,000 certificates are 100 S3 LIST requests. Per
 * kind it also lists, keys only, the revocations of each issuer met, the
 * renewals (a renewed certificate is not warned about: its successor is), and
 * the warnings already sent for certificates inside the window. Each warning
 * is recorded with a create-only write before its event is published, so two
 * scans running at once still send it once.
 *
 * A certificate first seen inside a smaller window (say 5 days left, never
 * warned at 30) gets that window's warning only: the larger thresholds are
 * past and would say nothing new.
 */
import { CERTIFICATE_KINDS, type CertificateKind, type LeafKind } from "../certificate-profiles.js";
import type { CertificateRepository, InventoryEntry } from "../certificate-repository.js";
import { announce, type CertificateEvent, expiringEvent } from "../events/certificate-events.js";
import { revocationIssuer } from "../inventory/certificate-status.js";
import type { EventPublisher } from "../ports.js";
import { DEFAULT_EXPIRY_WARNING_DAYS } from "./expiry-warning-days.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Inventory keys asked for per LIST. Each store answers with its own page:
 * S3 at most 1,000 keys whatever is asked; the local store reads its whole
 * folder for every LIST, so asking for many there saves re-reading 100,000
 * entries a hundred times (143 s against 5 s for 100,000 entries, tests/integration/lifecycle).
 */
const PAGE_SIZE = 100_000;
/** Warning markers written at once. */
const WRITE_CONCURRENCY = 16;

export interface ExpiryScanRequest {
  /** Thresholds in days; default 30, 7 and 1. */
  thresholdsDays?: readonly number[] | undefined;
  /** Kinds to scan; default all four (roots and intermediates expire too). */
  kinds?: readonly CertificateKind[] | undefined;
}

export interface ExpiryScanContext {
  /** The scan's "now"; `() => new Date()` by default. */
  clock?: (() => Date) | undefined;
  /** Where `Certificate Expiring` events go. */
  events?: EventPublisher | undefined;
  /**
   * Asked between pages; when it answers true the scan stops early (e.g. the
   * Lambda invocation is about to time out) and says so. The next scan
   * starts again from the top; warnings already sent are not sent again.
   */
  shouldStop?: (() => boolean) | undefined;
}

export interface ExpiryScanSummary {
  /** Inventory entries read. */
  scanned: number;
  /** Warnings sent by this scan (one event each). */
  warned: number;
  /** Certificates inside a window that had their warning already. */
  alreadyWarned: number;
  /** Certificates inside a window skipped because they were revoked or renewed. */
  skippedRevoked: number;
  skippedRenewed: number;
  /** False when `shouldStop` ended the scan early. */
  complete: boolean;
  /** Warnings sent per threshold (days → count). */
  warnedByThreshold: Record<string, number>;
  durationMs: number;
}

/** Scans the inventory once; see the module comment. */
export async function scanExpiringCertificates(
  request: ExpiryScanRequest,
  repository: CertificateRepository,
  context: ExpiryScanContext = {},
): Promise<ExpiryScanSummary> {
  const started = performance.now();
  const now = (context.clock ?? (() => new Date()))();
  const thresholds = [...new Set(request.thresholdsDays ?? DEFAULT_EXPIRY_WARNING_DAYS)].sort((a, b) => a - b);
  if (thresholds.length === 0 || thresholds.some((days) => !Number.isInteger(days) || days < 1)) {
    throw new Error("expiry warning thresholds must be whole numbers of days, at least 1");
  }
  const widest = thresholds.at(-1) as number;
  const summary: ExpiryScanSummary = {
    scanned: 0,
    warned: 0,
    alreadyWarned: 0,
    skippedRevoked: 0,
    skippedRenewed: 0,
    complete: true,
    warnedByThreshold: Object.fromEntries(thresholds.map((days) => [String(days), 0])),
    durationMs: 0,
  };
  const revokedByIssuer = new Map<string, Promise<Set<string>>>();
  const isRevoked = async (entry: InventoryEntry): Promise<boolean> => {
    const issuer = revocationIssuer(entry.kind, entry.issuer);
    if (!issuer) return false;
    const key = `${issuer.kind}/${issuer.name}`;
    if (!revokedByIssuer.has(key)) revokedByIssuer.set(key, repository.revokedSerialNumbers(issuer));
    return (await revokedByIssuer.get(key))?.has(entry.serial_number) ?? false;
  };

  scan: for (const kind of request.kinds ?? CERTIFICATE_KINDS) {
    // Loaded at the first certificate inside a window, so a kind with none costs its inventory pages only.
    let known: Promise<{ renewed: Set<string>; warned: Map<number, Set<string>> }> | undefined;
    const knownWarnings = () => {
      known ??= loadKnown(kind, thresholds, now, repository);
      return known;
    };
    let startAfter: string | undefined;
    for (;;) {
      if (context.shouldStop?.()) {
        summary.complete = false;
        break scan;
      }
      const page = await repository.listInventory(kind, { startAfter, limit: PAGE_SIZE });
      summary.scanned += page.entries.length;
      const due: { entry: InventoryEntry; thresholdDays: number; daysRemaining: number }[] = [];
      for (const { entry } of page.entries) {
        const remainingMs = Date.parse(entry.not_after) - now.getTime();
        if (remainingMs <= 0 || remainingMs > widest * DAY_MS) continue;
        const thresholdDays = thresholds.find((days) => remainingMs <= days * DAY_MS) as number;
        const { renewed, warned } = await knownWarnings();
        if (warned.get(thresholdDays)?.has(entry.serial_number)) {
          summary.alreadyWarned += 1;
          continue;
        }
        if (await isRevoked(entry)) {
          summary.skippedRevoked += 1;
          continue;
        }
        if (renewed.has(entry.serial_number)) {
          summary.skippedRenewed += 1;
          continue;
        }
        due.push({ entry, thresholdDays, daysRemaining: Math.floor(remainingMs / DAY_MS) });
      }
      const events = await recordWarnings(due, repository, summary);
      await announce(context.events, events);
      if (!page.isTruncated || page.entries.length === 0) break;
      startAfter = page.entries.at(-1)?.key;
    }
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/** The renewed certificates of `kind`, and the warnings sent for certificates now inside each window. */
async function loadKnown(
  kind: CertificateKind,
  thresholds: number[],
  now: Date,
  repository: CertificateRepository,
): Promise<{ renewed: Set<string>; warned: Map<number, Set<string>> }> {
  const isLeaf = kind === "server" || kind === "device";
  const [renewed, ...warned] = await Promise.all([
    isLeaf ? repository.renewedSerialNumbers(kind as LeafKind) : Promise.resolve(new Set<string>()),
    ...thresholds.map((days) =>
      repository.expiryWarningsSent(kind, days, { from: now, to: new Date(now.getTime() + days * DAY_MS) }),
    ),
  ]);
  return { renewed, warned: new Map(thresholds.map((days, index) => [days, warned[index] as Set<string>])) };
}

/** Records each due warning (create-only); the ones this scan created become events. */
async function recordWarnings(
  due: { entry: InventoryEntry; thresholdDays: number; daysRemaining: number }[],
  repository: CertificateRepository,
  summary: ExpiryScanSummary,
): Promise<CertificateEvent[]> {
  const events: (CertificateEvent | undefined)[] = new Array(due.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < due.length; index = next++) {
      const warning = due[index] as (typeof due)[number];
      if (await repository.recordExpiryWarning(warning.entry, warning.thresholdDays)) {
        events[index] = expiringEvent(warning.entry, warning);
        summary.warned += 1;
        summary.warnedByThreshold[String(warning.thresholdDays)] =
          (summary.warnedByThreshold[String(warning.thresholdDays)] ?? 0) + 1;
      } else {
        summary.alreadyWarned += 1; // another scan sent it a moment ago
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, due.length) }, worker));
  return events.filter((event): event is CertificateEvent => event !== undefined);
}
