/**
 * Issue 15, item 6: the API in Postman. A fresh local server's
 * `GET /openapi.json` is converted as Postman's importer converts it
 * (openapi-to-postmanv2, with the import settings docs/postman.md names),
 * made runnable by the step the project ships (`npm run postman`), and run
 * with newman top to bottom on the empty store: every request answers what
 * its operation documents (2xx: the root revocation, whose only documented
 * answer is a 400, is left out of the runnable collection),
 * every test script the collection carries passes (status, Content-Type, the
 * fields of the documented example), and the serial numbers it captured are
 * the ones it issued: the device it revoked is on the CRL it fetched. With
 * LOCAL_API_TOKEN set, the collection runs once `local_api_token` holds it.
 *
 * The plain conversion, without that step, is run too: its requests are
 * well-formed (no validation 400s); only what needs a captured serial or the
 * second intermediate answers 404.
 */
import newman, { type NewmanRunExecution, type NewmanRunSummary } from "newman";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectionRequests,
  convertOpenApi,
  postmanCollection,
  runnableCollection,
} from "../../../scripts/postman-collection.js";
import { crlText, revokedSerials } from "../../support/api/openssl-tools.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

function runNewman(collection: unknown, baseUrl: string, token?: string): Promise<NewmanRunSummary> {
  // Set as a user's Postman environment would set them (they override the collection's variables).
  const envVar = [{ key: "baseUrl", value: baseUrl }, ...(token ? [{ key: "local_api_token", value: token }] : [])];
  return new Promise((resolve, reject) => {
    newman.run({ collection, envVar, reporters: [], timeoutRequest: 30_000 }, (error, summary) =>
      error ? reject(error) : resolve(summary),
    );
  });
}

function route(execution: NewmanRunExecution): string {
  const path = execution.item.request.url.path.map((segment: string) => segment.replace(/^:(.+)$/, "{$1}"));
  return `${execution.item.request.method} /${path.join("/")}`;
}

function body(execution: NewmanRunExecution): any {
  return JSON.parse(Buffer.from(execution.response.stream).toString("utf8"));
}

describe("the runnable collection (npm run postman) against a fresh local server", () => {
  let api: LocalApi;
  let collection: any;
  let summary: NewmanRunSummary;

  beforeAll(async () => {
    api = await startLocalApi();
    const served = await api.get("/openapi.json");
    expect(served.status).toBe(200);
    collection = await postmanCollection(served.body);
    summary = await runNewman(collection, api.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  it("runs all 30 requests (24 operations that can succeed, plus the 6 further request examples), none failing", () => {
    expect(collectionRequests(collection)).toHaveLength(30);
    expect(summary.run.executions).toHaveLength(30);
    expect(summary.run.stats.requests).toMatchObject({ total: 30, failed: 0 });
    expect(summary.run.failures.map((failure) => `${failure.source?.name}: ${failure.error?.message}`)).toEqual([]);
    expect(summary.run.stats.assertions.failed).toBe(0);
    // Status and Content-Type on every request, the documented fields on all but the two CRLs and the document itself.
    expect(summary.run.stats.assertions.total).toBe(30 * 2 + 27);
  });

  it("every request answers 2xx; revoking a root (always 400) is not in the runnable collection", () => {
    const answers = summary.run.executions.map((execution) => [route(execution), execution.response.code] as const);
    for (const [name, code] of answers) {
      expect(code, name).toBeGreaterThanOrEqual(200);
      expect(code, name).toBeLessThan(300);
    }
    expect(answers.map(([name]) => name)).not.toContain("POST /certificates/root/{name}/revoke");
    expect(answers.map(([name]) => name).slice(0, 15)).toEqual([
      "POST /certificates/root",
      "POST /certificates/intermediate",
      "POST /certificates/intermediate",
      "POST /certificates/root/{name}/iot-registration",
      "POST /certificates/intermediate/{name}/iot-registration",
      "POST /certificates/server",
      "POST /certificates/server",
      "POST /certificates/device",
      "POST /certificates/device",
      "POST /certificates/device",
      "POST /certificates/device/batch",
      "POST /certificates/device/batch",
      "POST /certificates/device/batch",
      "POST /certificates/device/{serial_number}/iot-registration",
      "GET /certificates/root",
    ]);
  });

  it("the requests by serial number use the serials the run issued, and the revoked device is on the CRL it fetched", () => {
    const executions = summary.run.executions;
    const issued = (kind: string) => body(executions.find((e) => route(e) === `POST /certificates/${kind}`) as any);
    const device = issued("device");
    const server = issued("server");
    expect(device.device_id).toBe("sensor-0001");
    expect(server.fqdn).toBe("broker.example.test");
    for (const [kind, serial] of [
      ["device", device.serial_number],
      ["server", server.serial_number],
    ]) {
      for (const name of [
        `GET /certificates/${kind}/{serial_number}`,
        `POST /certificates/${kind}/{serial_number}/revoke`,
      ]) {
        const execution = executions.find((e) => route(e) === name) as NewmanRunExecution;
        expect(execution.request.url.getPath(), name).toContain(`/${serial}`);
        expect(body(execution).serial_number, name).toBe(serial);
      }
      // The renewal of that certificate: a new serial, linked to it.
      const renewal = executions.find(
        (e) => route(e) === `POST /certificates/${kind}/{serial_number}/renew`,
      ) as NewmanRunExecution;
      expect(renewal.request.url.getPath()).toContain(`/${serial}`);
      expect(body(renewal)).toMatchObject({ renews: serial, previous: { serial_number: serial } });
      expect(body(renewal).serial_number).not.toBe(serial);
    }
    // The device registered with (local) AWS IoT Core by its serial, then set REVOKED there by its revocation.
    const registration = executions.find(
      (e) => route(e) === "POST /certificates/device/{serial_number}/iot-registration",
    ) as NewmanRunExecution;
    expect(registration.response.code).toBe(201);
    expect(body(registration)).toMatchObject({
      serial_number: device.serial_number,
      iot: { registered: true, thing_name: "sensor-0001", registration: "with_ca" },
    });
    const revocation = executions.find(
      (e) => route(e) === "POST /certificates/device/{serial_number}/revoke",
    ) as NewmanRunExecution;
    expect(body(revocation).iot).toEqual({
      updated: true,
      iot_certificate_id: body(registration).iot.iot_certificate_id,
      iot_certificate_arn: body(registration).iot.iot_certificate_arn,
      status: "REVOKED",
    });
    const withIot = executions.filter((e) => route(e) === "POST /certificates/device")[2] as NewmanRunExecution;
    expect(body(withIot)).toMatchObject({
      device_id: "sensor-0003",
      iot: { registered: true, thing_name: "sensor-0003" },
    });
    const crl = executions.find((e) => route(e) === "GET /crl/intermediate/{name}") as NewmanRunExecution;
    expect(crl.response.headers.get("Content-Type")).toBe("application/pkix-crl");
    expect(revokedSerials(crlText(Buffer.from(crl.response.stream)))).toEqual([device.serial_number]);
  });

  it("sends a fresh Idempotency-Key with every POST", () => {
    const keys = summary.run.executions
      .filter((execution) => execution.item.request.method === "POST")
      .map((execution) => execution.request.headers.get("Idempotency-Key"));
    expect(keys).toHaveLength(19);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("the runnable collection against a local server with LOCAL_API_TOKEN", () => {
  const token = "postman-test-token-3f9a1c7e5b2d4f60";
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ LOCAL_API_TOKEN: token });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("runs with the token in local_api_token, and every request is refused (401) without it", async () => {
    const collection = await postmanCollection(
      (await api.get("/openapi.json", { authorization: `Bearer ${token}` })).body,
    );
    const without = await runNewman(collection, api.baseUrl);
    expect(new Set(without.run.executions.map((execution) => execution.response.code))).toEqual(new Set([401]));
    const withToken = await runNewman(collection, api.baseUrl, token);
    expect(withToken.run.stats.requests).toMatchObject({ total: 30, failed: 0 });
    expect(withToken.run.stats.assertions).toMatchObject({ total: 87, failed: 0 });
  }, 180_000);
});

describe("the served document converted as Postman imports it, without the runnable step", () => {
  let api: LocalApi;
  let summary: NewmanRunSummary;

  beforeAll(async () => {
    api = await startLocalApi();
    const document = (await api.get("/openapi.json")).body;
    const plain = await convertOpenApi(document);
    // The plain conversion carries no test scripts; runnableCollection's are what would flag a bad response.
    expect(collectionRequests(plain).every((item: any) => (item.event ?? []).length === 0)).toBe(true);
    expect(collectionRequests(runnableCollection(document, plain))).toHaveLength(30);
    summary = await runNewman(plain, api.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
  });

  it("sends only well-formed requests: no 400 but the root's, and 404 only where a captured serial or `servers` is missing", () => {
    const answers = summary.run.executions.map((execution) => `${route(execution)} → ${execution.response.code}`);
    expect(answers).toHaveLength(25);
    const not2xx = answers.filter((answer) => !/→ 2\d\d$/.test(answer));
    expect(not2xx.sort()).toEqual(
      [
        "POST /certificates/root/{name}/revoke → 400",
        "POST /certificates/server → 404",
        "GET /certificates/server/{serial_number} → 404",
        "POST /certificates/server/{serial_number}/renew → 404",
        "POST /certificates/server/{serial_number}/revoke → 404",
        "GET /certificates/device/{serial_number} → 404",
        "POST /certificates/device/{serial_number}/renew → 404",
        "POST /certificates/device/{serial_number}/revoke → 404",
        "POST /certificates/device/{serial_number}/iot-registration → 404",
        "POST /certificates/intermediate/{name}/revoke → 404",
      ].sort(),
    );
  });
});
