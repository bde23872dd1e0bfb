/**
 * EventBridgeEventPublisher on a mocked EventBridgeClient: the exact
 * PutEvents entries a batch of devices produces (at most 10 per call, every
 * device once, no key material), re-sending only the entries EventBridge
 * refused, and giving up with a log line naming the serials while the
 * certificate stays issued. moto_server proves the wire protocol and the
 * delivery to a rule's target in tests/integration/lifecycle/events-on-moto.test.ts.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventBridgeEventPublisher, MAX_ENTRIES_PER_CALL } from "../../../src/adapters/eventbridge-event-publisher.js";
import type { UndeliveredEvents } from "../../../src/adapters/undelivered-events.js";
import { type CertificateEvent, DETAIL_TYPES, EVENT_SOURCE } from "../../../src/core/events/certificate-events.js";
import { issueDeviceBatch } from "../../../src/core/issuance/issue-device-batch.js";
import { issueServerCertificate } from "../../../src/core/issuance/issue-server-certificate.js";
import {
  copyOf,
  createMemoryHierarchy,
  type MemoryHierarchy,
  RecordingImporter,
} from "../core/issuance/memory-hierarchy.js";

const BUS = "iot-certificates-test-certificates";
const eventBridge = mockClient(EventBridgeClient);

let pki: MemoryHierarchy;
let undelivered: UndeliveredEvents[];
let sleeps: number[];

function publisher(options: { entryAttempts?: number } = {}): EventBridgeEventPublisher {
  return new EventBridgeEventPublisher(new EventBridgeClient({ region: "eu-north-1" }), {
    eventBusName: BUS,
    onUndelivered: (failure) => undelivered.push(failure),
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...options,
  });
}

function sentEntries(): PutEventsRequestEntry[][] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .map((call) => (call.args[0].input as PutEventsCommandInput).Entries ?? []);
}

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

beforeEach(() => {
  eventBridge.reset();
  undelivered = [];
  sleeps = [];
});

describe("EventBridgeEventPublisher", () => {
  it("puts one Certificate Issued event per device of a batch of 25, in calls of at most 10 entries", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `event-${index}` })),
    }));
    const { repository } = copyOf(pki);
    const results = await issueDeviceBatch({ issuer: "devices", count: 25, organization: "Acme IoT" }, repository, {
      events: publisher(),
    });
    const issued = results.map((result) => {
      if (!result.ok) throw result.error;
      return result.issued.record;
    });

    expect(eventBridge).toReceiveCommandTimes(PutEventsCommand, 3);
    const calls = sentEntries();
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(calls.every((entries) => entries.length <= MAX_ENTRIES_PER_CALL)).toBe(true);
    const entries = calls.flat();
    const bySerial = new Map(entries.map((entry) => [JSON.parse(entry.Detail ?? "{}").serial_number, entry]));
    expect([...bySerial.keys()].sort()).toEqual(issued.map((record) => record.serial_number).sort());
    for (const record of issued) {
      const entry = bySerial.get(record.serial_number);
      expect(entry).toEqual({
        Source: EVENT_SOURCE,
        DetailType: DETAIL_TYPES.issued,
        EventBusName: BUS,
        Detail: expect.any(String),
      });
      expect(JSON.parse(entry?.Detail ?? "")).toEqual({
        kind: "device",
        serial_number: record.serial_number,
        device_id: record.subject_id,
        subject_alt_names: [],
        issuer: "devices",
        not_after: record.not_after,
        s3_folder: `device_certificates/${record.subject_id}/${record.serial_number}/`,
      });
    }
    const everything = JSON.stringify(entries);
    expect(everything).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    expect(undelivered).toEqual([]);
  });

  it("names an imported server certificate's ACM ARN in the detail and in the event's resources", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e1" }] });
    const { repository } = copyOf(pki);
    const issued = await issueServerCertificate(
      { fqdn: "broker.dev.example.com", issuer: "servers", subjectAltNames: [{ type: "ip", value: "10.0.0.5" }] },
      repository,
      new RecordingImporter(),
      { events: publisher() },
    );
    const arn = issued.record.acm_certificate_arn as string;
    expect(eventBridge).toReceiveCommandExactlyOnceWith(PutEventsCommand, {
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: DETAIL_TYPES.issued,
          EventBusName: BUS,
          Resources: [arn],
          Detail: JSON.stringify({
            kind: "server",
            serial_number: issued.record.serial_number,
            fqdn: "broker.dev.example.com",
            subject_alt_names: ["broker.dev.example.com", "10.0.0.5"],
            issuer: "servers",
            not_after: issued.record.not_after,
            s3_folder: issued.record.folder,
            acm_certificate_arn: arn,
          }),
        },
      ],
    });
  });

  it("re-sends only the entries EventBridge refused one by one, after a backoff", async () => {
    const events = syntheticEvents(4);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: "a" },
          { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" },
          { EventId: "c" },
          { ErrorCode: "InternalFailure", ErrorMessage: "internal" },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "b" }, { EventId: "d" }] });
    await publisher().publish(events);
    const calls = sentEntries();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((entry) => JSON.parse(entry.Detail ?? "{}").serial_number)).toEqual([
      serialOf(1),
      serialOf(3),
    ]);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThanOrEqual(200);
    expect(undelivered).toEqual([]);
  });

  it("gives up on entries still refused after 3 attempts and reports them by serial number", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries ?? []).map((entry) =>
        JSON.parse(entry.Detail ?? "{}").serial_number === serialOf(0)
          ? { ErrorCode: "InternalFailure", ErrorMessage: "internal" }
          : { EventId: "ok" },
      ),
    }));
    await expect(publisher().publish(syntheticEvents(3))).resolves.toBeUndefined();
    expect(sentEntries().map((entries) => entries.length)).toEqual([3, 1, 1]);
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]?.events.flatMap((event) => event.serialNumbers)).toEqual([serialOf(0)]);
    expect(String(undelivered[0]?.error)).toContain("InternalFailure");
  });

  it("never fails the issuance: a PutEvents that fails (after the client's own retries) is reported, the certificate is stored", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const { repository } = copyOf(pki);
    const issued = await issueServerCertificate(
      { fqdn: "mqtt.dev.example.com", issuer: "servers" },
      repository,
      new RecordingImporter(),
      {
        events: publisher(),
      },
    );
    expect(await repository.findLeaf("server", issued.record.serial_number)).toEqual(issued.record);
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]?.events.flatMap((event) => event.serialNumbers)).toEqual([issued.record.serial_number]);
    expect((undelivered[0]?.error as Error | undefined)?.name).toBe("ThrottlingException");
  });

  it("keeps a call under 256 KiB: large details go in smaller calls", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map(() => ({ EventId: "ok" })),
    }));
    const large = syntheticEvents(5).map((event) => ({
      ...event,
      detail: {
        ...event.detail,
        subject_alt_names: Array.from({ length: 400 }, (_, i) => `host-${i}.${"x".repeat(200)}.example`),
      },
    }));
    await publisher().publish(large);
    const calls = sentEntries();
    expect(calls.flat()).toHaveLength(5);
    for (const entries of calls) {
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.Detail ?? ""), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(calls.length).toBeGreaterThan(1);
  });
});

function serialOf(index: number): string {
  return index.toString(16).padStart(32, "0");
}

function syntheticEvents(count: number): CertificateEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    detailType: DETAIL_TYPES.issued,
    detail: {
      kind: "device" as const,
      serial_number: serialOf(index),
      device_id: `sensor-${index}`,
      subject_alt_names: [],
      issuer: "devices",
      not_after: "2027-01-01T00:00:00.000Z",
      s3_folder: `device_certificates/sensor-${index}/${serialOf(index)}/`,
    },
    resources: [],
    serialNumbers: [serialOf(index)],
  }));
}
