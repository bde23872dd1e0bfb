/**
 * The expiry scan with a clock the test controls: each threshold fires once
 * per certificate, a certificate first seen inside a small window gets that
 * window's warning only, revoked and renewed certificates never fire, two
 * scans at once send each warning once, CAs are warned about too, and the
 * scan reads no object at all (keys only).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { InventoryEntry } from "../../../../src/core/certificate-repository.js";
import {
  type CertificateEvent,
  CollectingEventPublisher,
  DETAIL_TYPES,
} from "../../../../src/core/events/certificate-events.js";
import { listCertificates } from "../../../../src/core/inventory/list-certificates.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../../../src/core/issuance/issue-server-certificate.js";
import { renewCertificate } from "../../../../src/core/lifecycle/renew-certificate.js";
import { scanExpiringCertificates } from "../../../../src/core/lifecycle/scan-expiring-certificates.js";
import { revokeCertificate } from "../../../../src/core/revocation/revoke-certificate.js";
import {
  copyOf,
  createMemoryHierarchy,
  type MemoryHierarchy,
  RecordingImporter,
} from "../issuance/memory-hierarchy.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date("2026-06-01T08:00:00.000Z");
const at = (days: number) => () => new Date(T0.getTime() + days * DAY_MS);

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

/** `[serial, threshold]` of each Certificate Expiring event, sorted. */
function warnings(events: CertificateEvent[]): [string, number][] {
  return events
    .map((event): [string, number] => {
      expect(event.detailType).toBe(DETAIL_TYPES.expiring);
      return [event.serialNumbers[0] as string, (event.detail as Record<string, unknown>).threshold_days as number];
    })
    .sort();
}

describe("scanExpiringCertificates", () => {
  it("fires each threshold once, skips revoked and renewed certificates, and reads no object", async () => {
    const { repository, store } = copyOf(pki);
    const importer = new RecordingImporter();
    const device = (deviceId: string, validityDays: number) =>
      issueDeviceCertificate({ issuer: "devices", deviceId, keyAlgorithm: "EC-P256", validityDays }, repository, {
        clock: at(0),
      });
    const a = await device("a", 40);
    const b = await device("b", 40);
    const c = await device("c", 40);
    const e = await device("e", 5);
    const d = await issueServerCertificate(
      { fqdn: "d.dev.example.com", issuer: "servers", keyAlgorithm: "EC-P256", validityDays: 40 },
      repository,
      importer,
      { clock: at(0) },
    );
    await revokeCertificate({ kind: "device", id: c.record.serial_number }, repository, { clock: at(1) });
    // b is renewed on day 5, before any of its thresholds: b2 runs to day 45.
    const b2 = await renewCertificate({ kind: "device", serialNumber: b.record.serial_number }, repository, importer, {
      clock: at(5),
    });
    const serial = (issued: { record: { serial_number: string } }) => issued.record.serial_number;

    const scan = async (day: number) => {
      const events = new CollectingEventPublisher();
      store.clearOperations();
      const summary = await scanExpiringCertificates({}, repository, { clock: at(day), events });
      // Keys only: no certificate, record or marker is ever read.
      expect(store.operations.filter((operation) => operation.op === "get")).toEqual([]);
      return { summary, found: warnings(events.events), events: events.events };
    };

    // Day 0: e has 5 days left, inside the 7-day window: that warning only (30 days has passed unsaid).
    const day0 = await scan(0);
    expect(day0.found).toEqual([[serial(e), 7]]);
    expect(day0.events[0]?.detail).toEqual({
      kind: "device",
      serial_number: serial(e),
      device_id: "e",
      issuer: "devices",
      not_after: e.record.not_after,
      s3_folder: e.record.folder,
      threshold_days: 7,
      days_remaining: 5,
    });
    expect(day0.summary).toMatchObject({ scanned: 9, warned: 1, complete: true }); // 5 leaves + b2 + 3 CAs
    expect((await scan(0)).found).toEqual([]);
    expect((await scan(2)).summary).toMatchObject({ warned: 0, alreadyWarned: 1 });
    expect((await scan(4.5)).found).toEqual([[serial(e), 1]]);
    expect((await scan(4.9)).found).toEqual([]);

    // Day 11: 29 days left for a, c and d; c is revoked; b was renewed (b2 has 34 days left).
    const day11 = await scan(11);
    expect(day11.found).toEqual(
      [
        [serial(a), 30],
        [serial(d), 30],
      ].sort() as [string, number][],
    );
    expect(day11.summary).toMatchObject({ skippedRevoked: 1, skippedRenewed: 1 });
    expect((await scan(11)).found).toEqual([]);

    // Day 34: 6 days left for a and d; b2 (11 days left) crosses 30.
    expect((await scan(34)).found).toEqual(
      [
        [serial(a), 7],
        [serial(d), 7],
        [serial(b2), 30],
      ].sort() as [string, number][],
    );
    // 0.5 days left for a and d; 5.5 for b2.
    expect((await scan(39.5)).found).toEqual(
      [
        [serial(a), 1],
        [serial(d), 1],
        [serial(b2), 7],
      ].sort() as [string, number][],
    );
    // Expired certificates are past warning; b2 still has its 1-day warning to come.
    expect((await scan(41)).found).toEqual([]);
    expect((await scan(44.5)).found).toEqual([[serial(b2), 1]]);
    expect((await scan(46)).found).toEqual([]);

    // Never: the renewed b, the revoked c.
    const everWarned = store.keys().filter((key) => key.startsWith("expiry_warnings/"));
    expect(everWarned.some((key) => key.endsWith(serial(b)) || key.endsWith(serial(c)))).toBe(false);
    expect(everWarned).toHaveLength(11); // e: 7, 1; a and d: 30, 7, 1; b2: 30, 7, 1
  });

  it("sends each warning once when two scans run at once", async () => {
    const { repository } = copyOf(pki);
    const issued = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        issueDeviceCertificate(
          { issuer: "devices", deviceId: `fleet-${index}`, keyAlgorithm: "EC-P256", validityDays: 20 },
          repository,
          { clock: at(0) },
        ),
      ),
    );
    const first = new CollectingEventPublisher();
    const second = new CollectingEventPublisher();
    const [one, two] = await Promise.all([
      scanExpiringCertificates({}, repository, { clock: at(0), events: first }),
      scanExpiringCertificates({}, repository, { clock: at(0), events: second }),
    ]);
    const all = warnings([...first.events, ...second.events]);
    expect(all).toEqual(issued.map((certificate): [string, number] => [certificate.record.serial_number, 30]).sort());
    expect(one.warned + two.warned).toBe(30);
  });

  it("warns about CAs too, with thresholds of the caller's choosing", async () => {
    const shortLived = await createMemoryHierarchy({ intermediateValidityDays: 100 });
    const events = new CollectingEventPublisher();
    const issuedAt = Date.parse(shortLived.servers.record.created_at);
    const clock = () => new Date(issuedAt + 95 * DAY_MS);
    const summary = await scanExpiringCertificates({ thresholdsDays: [14, 3] }, shortLived.repository, {
      clock,
      events,
    });
    expect(summary.warnedByThreshold).toEqual({ "3": 0, "14": 2 });
    expect(
      events.events
        .map((event) => {
          const detail = event.detail as Record<string, unknown>;
          return [detail.kind, detail.name, detail.threshold_days];
        })
        .sort(),
    ).toEqual([
      ["intermediate", "devices", 14],
      ["intermediate", "servers", 14],
    ]);
  });

  it("stops between pages when asked to, and says so; the next scan sends what it had not", async () => {
    const { repository } = copyOf(pki);
    await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256", validityDays: 3 }, repository, {
      clock: at(0),
    });
    const stopped = await scanExpiringCertificates({}, repository, { clock: at(0), shouldStop: () => true });
    expect(stopped).toMatchObject({ complete: false, scanned: 0, warned: 0 });
    const events = new CollectingEventPublisher();
    expect(await scanExpiringCertificates({}, repository, { clock: at(0), events })).toMatchObject({
      complete: true,
      warned: 1,
    });
  });

  it("answers the same question on demand: GET ?expires_within_days lists valid, unrenewed certificates inside the window", async () => {
    const { repository } = copyOf(pki);
    const importer = new RecordingImporter();
    const soon = await issueDeviceCertificate({ issuer: "devices", deviceId: "soon", validityDays: 10 }, repository, {
      clock: at(0),
    });
    await issueDeviceCertificate({ issuer: "devices", deviceId: "later", validityDays: 60 }, repository, {
      clock: at(0),
    });
    const revoked = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "gone", validityDays: 10 },
      repository,
      {
        clock: at(0),
      },
    );
    await revokeCertificate({ kind: "device", id: revoked.record.serial_number }, repository);
    const renewed = await issueDeviceCertificate(
      { issuer: "devices", deviceId: "swapped", validityDays: 10 },
      repository,
      {
        clock: at(0),
      },
    );
    await renewCertificate(
      { kind: "device", serialNumber: renewed.record.serial_number, validityDays: 90 },
      repository,
      importer,
      {
        clock: at(1),
      },
    );
    await issueDeviceCertificate({ issuer: "devices", deviceId: "over", validityDays: 1 }, repository, {
      clock: at(0),
    });

    const page = await listCertificates({ kind: "device", expiresWithinDays: 30 }, repository, { clock: at(2) });
    expect(page.items.map((item: InventoryEntry) => item.subject_id)).toEqual(["soon"]);
    expect(page.items[0]?.serial_number).toBe(soon.record.serial_number);
  });
});
