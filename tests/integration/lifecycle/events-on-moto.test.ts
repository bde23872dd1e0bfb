/**
 * Certificate events end to end on moto_server: the local server (the
 * function bundles, as `npm start` runs them) in S3 mode with EVENT_BUS_NAME
 * set, an EventBridge bus with a rule that sends every `iot-certificates`
 * event to an SQS queue. Issue (one by one and a batch of 12, over the
 * 10-entry PutEvents limit moto enforces), renew with revoke_previous,
 * revoke, then restart the server, whose start-up expiry scan warns about a
 * certificate 5 days from its end: the queue holds exactly the expected
 * events. The renewed server certificate is in ACM on the same ARN.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventQueue, type EventQueue } from "../../support/event-queue.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { acmClient, importedCertificate, pemBody } from "../storage/aws-support.js";

const BUCKET = "certificates-events-it";
const BUS = "iot-certificates-it";
const FQDN = "broker.events.example.com";

let moto: MotoServer;
let queue: EventQueue;
const apis: LocalApi[] = [];

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  queue = await createEventQueue(moto, BUS);
});

afterAll(async () => {
  for (const api of apis) await api.stop();
  queue?.destroy();
  await moto?.stop();
});

function startApi(env: Record<string, string> = {}): Promise<LocalApi> {
  return startLocalApi({
    CERTIFICATE_BUCKET_NAME: BUCKET,
    ENDPOINT_URL: "",
    EVENT_BUS_NAME: BUS,
    ...moto.env,
    ...env,
  }).then((api) => {
    apis.push(api);
    return api;
  });
}

describe("certificate events on EventBridge (moto_server), through the local server in S3 mode", () => {
  it("delivers one event (retried duplicates aside) per certificate issued, renewed, revoked, per CRL, and per expiry warning", async () => {
    // The start-up scan finds an empty bucket and says nothing; events come from the requests below.
    const api = await startApi({ LOCAL_SCHEDULES: "off" });
    const subject = { organization: "Acme IoT", key_algorithm: "EC-P256" };
    const root = (await api.post("/certificates/root", subject)).body;
    const servers = (await api.post("/certificates/intermediate", { ...subject, name: "servers" })).body;
    const devices = (await api.post("/certificates/intermediate", { ...subject, name: "devices" })).body;
    const server = await api.post("/certificates/server", {
      ...subject,
      fqdn: FQDN,
      issuer: "servers",
      subject_alt_names: ["10.1.2.3"],
    });
    expect(server.status).toBe(201);
    const gone = (await api.post("/certificates/device", { ...subject, issuer: "devices", device_id: "gone-1" })).body;
    const soon = (
      await api.post("/certificates/device", { ...subject, issuer: "devices", device_id: "soon-1", validity_days: 5 })
    ).body;
    const batch = await api.post("/certificates/device/batch", { issuer: "devices", count: 12 });
    expect(batch.status).toBe(201);
    const renewal = await api.post(`/certificates/server/${server.body.serial_number}/renew`, {
      revoke_previous: true,
    });
    expect(renewal.status).toBe(201);
    expect(renewal.body).toMatchObject({
      acm_import: "reimported",
      acm_certificate_arn: server.body.acm_certificate_arn,
    });
    const revoked = await api.post(`/certificates/device/${gone.serial_number}/revoke`, { reason: "keyCompromise" });
    expect(revoked.status).toBe(200);
    await api.stop();

    // A fresh server runs the expiry scan at start: `soon-1` has 5 days left (the 7-day warning); `gone-1` is revoked.
    const restarted = await startApi();
    await expect.poll(() => restarted.output(), { timeout: 20_000 }).toContain('"message":"expiry scan finished"');
    expect(restarted.output()).toMatch(/"warned":1\b/);

    const events = await queue.drain(24);
    expect(events).toHaveLength(3 + 1 + 2 + 12 + 3 + 2 + 1);
    for (const event of events) {
      expect(event).toMatchObject({
        source: "iot-certificates",
        "detail-type": expect.any(String),
        detail: expect.any(Object),
      });
    }
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    const find = (type: string, serial?: string) =>
      events.filter(
        (event) => event["detail-type"] === type && (serial === undefined || event.detail.serial_number === serial),
      );

    expect(find("Certificate Issued", root.serial_number).map((event) => event.detail)).toEqual([
      {
        kind: "root",
        serial_number: root.serial_number,
        name: "default",
        not_after: root.not_after,
        s3_folder: root.s3_folder,
      },
    ]);
    for (const ca of [servers, devices]) {
      expect(find("Certificate Issued", ca.serial_number).map((event) => event.detail)).toEqual([
        {
          kind: "intermediate",
          serial_number: ca.serial_number,
          name: ca.name,
          issuer: "default",
          not_after: ca.not_after,
          s3_folder: ca.s3_folder,
        },
      ]);
    }
    const arn = server.body.acm_certificate_arn;
    const [serverIssued] = find("Certificate Issued", server.body.serial_number);
    expect(serverIssued.resources).toEqual([arn]);
    expect(serverIssued.detail).toEqual({
      kind: "server",
      serial_number: server.body.serial_number,
      fqdn: FQDN,
      subject_alt_names: [FQDN, "10.1.2.3"],
      issuer: "servers",
      not_after: server.body.not_after,
      s3_folder: server.body.s3_folder,
      acm_certificate_arn: arn,
    });
    const batchSerials = batch.body.results.map((result: any) => result.serial_number).sort();
    const issuedDevices = find("Certificate Issued").filter((event) => event.detail.kind === "device");
    expect(issuedDevices.map((event) => event.detail.serial_number).sort()).toEqual(
      [...batchSerials, gone.serial_number, soon.serial_number].sort(),
    );

    expect(find("Certificate Renewed").map((event) => event.detail)).toEqual([
      {
        kind: "server",
        serial_number: renewal.body.serial_number,
        fqdn: FQDN,
        subject_alt_names: [FQDN, "10.1.2.3"],
        issuer: "servers",
        not_after: renewal.body.not_after,
        s3_folder: renewal.body.s3_folder,
        acm_certificate_arn: arn,
        renews: server.body.serial_number,
        acm_reimported: true,
      },
    ]);
    expect(
      find("Certificate Revoked")
        .map((event) => [event.detail.serial_number, event.detail.reason])
        .sort(),
    ).toEqual(
      [
        [server.body.serial_number, "superseded"],
        [gone.serial_number, "keyCompromise"],
      ].sort(),
    );
    expect(
      find("CRL Published")
        .map((event) => [
          event.detail.issuer_kind,
          event.detail.issuer,
          event.detail.revoked_count,
          event.detail.crl_path,
        ])
        .sort(),
    ).toEqual([
      ["intermediate", "devices", 1, "/crl/intermediate/devices"],
      ["intermediate", "servers", 1, "/crl/intermediate/servers"],
    ]);
    expect(find("Certificate Expiring").map((event) => event.detail)).toEqual([
      {
        kind: "device",
        serial_number: soon.serial_number,
        device_id: "soon-1",
        issuer: "devices",
        not_after: soon.not_after,
        s3_folder: soon.s3_folder,
        threshold_days: 7,
        days_remaining: 4,
      },
    ]);

    // ACM serves the renewed certificate on the ARN the first one was imported under.
    const acm = acmClient(moto);
    const imported = await importedCertificate(acm, arn);
    acm.destroy();
    expect(pemBody(imported.certificate)).toBe(pemBody(renewal.body.certificate));
  });
});
