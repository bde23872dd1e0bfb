/**
 * The expiry scan on 100,000 inventory entries in a local store (written
 * directly into the index, not issued: only the keys matter to the scan),
 * with 1,000 revoked and 1,000 renewed among them. It must finish within the
 * scheduled function's limit (its own stop-before-the-deadline check says
 * whether it did), send exactly the warnings an independent count expects,
 * one events.jsonl line each, and send none of them again. The time is
 * printed (BENCHMARKS.md quotes it); it is not asserted beyond the limit.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileObjectStore } from "../../../src/adapters/file-object-store.js";
import { LocalEventPublisher } from "../../../src/adapters/local-event-publisher.js";
import { CertificateRepository } from "../../../src/core/certificate-repository.js";
import { scanExpiringCertificates } from "../../../src/core/lifecycle/scan-expiring-certificates.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const ENTRIES = 100_000;
const REVOKED = 1_000;
const RENEWED = 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** template.yaml: ScanExpiringCertificatesFunction's Timeout (300 s), less the 20 s the handler keeps free. */
const LIMIT_MS = (300 - 20) * 1000;
const NOW = new Date("2026-12-01T00:00:00.000Z");
const THRESHOLDS = [1, 7, 30];

const directory = temporaryDirectory("iot-certs-scan-scale-");
afterAll(() => directory.remove());

const compact = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, "");

describe("expiry scan at fleet scale", () => {
  it(`scans ${ENTRIES.toLocaleString("en")} inventory entries within the function's limit, warning exactly once`, async () => {
    const root = directory.path;
    const inventory = join(root, "inventory", "device");
    const revocations = join(root, "revocations", "intermediate", "devices");
    const renewals = join(root, "renewals", "device");
    for (const folder of [inventory, revocations, renewals]) mkdirSync(folder, { recursive: true });

    const started = performance.now();
    const expected = new Map<string, number>();
    for (let index = 0; index < ENTRIES; index += 1) {
      const serial = randomBytes(16).toString("hex");
      // notAfter spread over a year ahead and a month behind, in whole seconds.
      const notAfter = new Date(NOW.getTime() + Math.floor(((Math.random() * 395 - 30) * DAY_MS) / 1000) * 1000);
      writeFileSync(join(inventory, `${serial}~${serial}~devices~${compact(notAfter)}~EC-P256~dev-${index}`), "");
      let skipped = false;
      if (index < REVOKED) {
        writeFileSync(join(revocations, `${serial}.json`), "{}");
        skipped = true;
      } else if (index < REVOKED + RENEWED) {
        writeFileSync(join(renewals, `${serial}~${randomBytes(16).toString("hex")}`), "");
        skipped = true;
      }
      const remaining = notAfter.getTime() - NOW.getTime();
      const threshold = THRESHOLDS.find((days) => remaining <= days * DAY_MS);
      if (!skipped && remaining > 0 && threshold !== undefined) expected.set(serial, threshold);
    }
    const generatedMs = performance.now() - started;

    const repository = new CertificateRepository(new FileObjectStore(root));
    const eventsFile = join(root, "events.jsonl");
    const scanStarted = performance.now();
    const summary = await scanExpiringCertificates({ thresholdsDays: [30, 7, 1] }, repository, {
      clock: () => NOW,
      events: new LocalEventPublisher(eventsFile),
      shouldStop: () => performance.now() - scanStarted > LIMIT_MS,
    });
    const scanMs = performance.now() - scanStarted;

    const again = await scanExpiringCertificates({ thresholdsDays: [30, 7, 1] }, repository, { clock: () => NOW });
    const lines = readFileSync(eventsFile, "utf8").trimEnd().split("\n");
    console.log(
      `expiry scan of ${ENTRIES.toLocaleString("en")} inventory entries (local store): ${(scanMs / 1000).toFixed(1)} s ` +
        `(${summary.warned} warnings sent, ${summary.skippedRevoked} revoked and ${summary.skippedRenewed} renewed skipped); ` +
        `second scan ${(again.durationMs / 1000).toFixed(1)} s, ${again.warned} sent; index written in ${(generatedMs / 1000).toFixed(1)} s`,
    );

    expect(summary.complete).toBe(true);
    expect(summary.scanned).toBe(ENTRIES);
    expect(summary.warned).toBe(expected.size);
    expect(lines).toHaveLength(expected.size);
    const sent = new Map(
      lines.map((line) => {
        const event = JSON.parse(line);
        expect(event["detail-type"]).toBe("Certificate Expiring");
        return [event.detail.serial_number as string, event.detail.threshold_days as number];
      }),
    );
    expect(sent).toEqual(expected);
    expect(summary.skippedRevoked + summary.skippedRenewed).toBeGreaterThan(0);
    expect(again).toMatchObject({ complete: true, warned: 0, alreadyWarned: expected.size });
  }, 600_000);
});
