/**
 * LocalEventPublisher: each event becomes one line of events.jsonl in the
 * EventBridge envelope (what a rule's target receives), whole lines even
 * when many publishes run at once, and a write that fails is reported, not thrown.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalEventPublisher } from "../../../src/adapters/local-event-publisher.js";
import type { UndeliveredEvents } from "../../../src/adapters/undelivered-events.js";
import { type CertificateEvent, DETAIL_TYPES } from "../../../src/core/events/certificate-events.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const directories: { remove: () => void }[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) directory.remove();
});

function event(index: number): CertificateEvent {
  const serial = index.toString(16).padStart(32, "0");
  return {
    detailType: DETAIL_TYPES.revoked,
    detail: {
      kind: "device",
      serial_number: serial,
      device_id: `sensor-${index}`,
      issuer: "devices",
      not_after: "2027-01-01T00:00:00.000Z",
      s3_folder: `device_certificates/sensor-${index}/${serial}/`,
      reason: "keyCompromise",
    },
    resources: [`arn:aws:acm:local:000000000000:certificate/${index}`],
    serialNumbers: [serial],
  };
}

describe("LocalEventPublisher", () => {
  it("appends one EventBridge envelope per event, creating the store folder", async () => {
    const directory = temporaryDirectory("iot-certs-events-");
    directories.push(directory);
    const file = join(directory.path, "store", "events.jsonl");
    const clock = () => new Date("2026-12-03T10:11:12.345Z");
    await new LocalEventPublisher(file, { clock }).publish([event(1), event(2)]);
    await new LocalEventPublisher(file, { clock }).publish([event(3)]);
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    const parsed = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toEqual({
      version: "0",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      "detail-type": "Certificate Revoked",
      source: "iot-certificates",
      account: "000000000000",
      time: "2026-12-03T10:11:12Z",
      region: "local",
      resources: ["arn:aws:acm:local:000000000000:certificate/1"],
      detail: event(1).detail,
    });
    expect(parsed.map((line) => line.detail.serial_number)).toEqual([1, 2, 3].map((i) => event(i).serialNumbers[0]));
    expect(new Set(parsed.map((line) => line.id)).size).toBe(3);
  });

  it("keeps lines whole when 200 publishes run at once (as the local server's bundles do)", async () => {
    const directory = temporaryDirectory("iot-certs-events-");
    directories.push(directory);
    const file = join(directory.path, "events.jsonl");
    const publishers = [new LocalEventPublisher(file), new LocalEventPublisher(file)];
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        (publishers[index % 2] as LocalEventPublisher).publish([event(index), event(index + 1000)]),
      ),
    );
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(400);
    const serials = lines.map((line) => JSON.parse(line).detail.serial_number);
    expect(new Set(serials).size).toBe(400);
  });

  it("reports events it cannot write, by serial number, and resolves", async () => {
    const directory = temporaryDirectory("iot-certs-events-");
    directories.push(directory);
    // A file where the store folder should be: the append cannot happen.
    writeFileSync(join(directory.path, "store"), "not a folder");
    const undelivered: UndeliveredEvents[] = [];
    const publisher = new LocalEventPublisher(join(directory.path, "store", "events.jsonl"), {
      onUndelivered: (failure) => undelivered.push(failure),
    });
    await expect(publisher.publish([event(7)])).resolves.toBeUndefined();
    expect(undelivered.map((failure) => failure.events.flatMap((e) => e.serialNumbers))).toEqual([
      event(7).serialNumbers,
    ]);
  });
});
