/**
 * The inventory and revocation handlers in the S3 configuration, on
 * port-level fakes of S3 and ACM (injected through the composition root),
 * serving CA and certificate material the real core made on an in-memory
 * store: a page of the inventory is one `list` under `inventory/device/`
 * (limit ≤ 1000) and never a `get`; a revocation is a create-only
 * `putIfAbsent` of `revocations/intermediate/<issuer>/<serial>.json` then one
 * of the re-signed CRL under `intermediate_ca/<issuer>/crl/`. How the S3
 * adapter puts these on the wire (ListObjectsV2 MaxKeys, `If-None-Match: *`,
 * the bucket) is asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { resetServicesForTesting, useServicesForTesting } from "../../../../src/composition-root.js";
import { CertificateRepository } from "../../../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../../../src/core/issuance/issue-device-certificate.js";
import type { IssuedCertificate } from "../../../../src/core/issuance/issued-certificate.js";
import { X509Certificate, X509Crl, X509CrlReason } from "../../../../src/core/x509.js";
import { handler as listHandler } from "../../../../src/http/handlers/list-certificates.js";
import { handler as revokeHandler } from "../../../../src/http/handlers/revoke-certificate.js";
import { InMemoryObjectStore, RecordingObjectStore, type StoreCall } from "../../../support/api/memory-bucket.js";
import { RecordingImporter, type TimelineEvent } from "../handlers/handler-harness.js";

const BUCKET = "unit-test-certificates";
const DEVICES = 7;

/** What the core made: root `default`, intermediates `devices` and `servers`, DEVICES devices. */
let material: Map<string, string>;
let root: IssuedCertificate;
let devicesCa: IssuedCertificate;
let devices: IssuedCertificate[];
/** The store the handlers use (S3 at the port), holding a fresh copy of `material` per test. */
let store: RecordingObjectStore;
/** ACM at the port. */
let importer: RecordingImporter;
/** Every call to the store and the importer, in order. */
let timeline: TimelineEvent[];

beforeAll(async () => {
  const store = new InMemoryObjectStore();
  const repository = new CertificateRepository(store);
  root = await createRootCertificateAuthority({ name: "default", keyAlgorithm: "EC-P256" }, repository);
  devicesCa = await createIntermediateCertificateAuthority(
    { name: "devices", issuer: "default", keyAlgorithm: "EC-P256" },
    repository,
  );
  await createIntermediateCertificateAuthority(
    { name: "servers", issuer: "default", keyAlgorithm: "EC-P256" },
    repository,
  );
  devices = [];
  for (let index = 0; index < DEVICES; index += 1) {
    devices.push(
      await issueDeviceCertificate(
        { deviceId: `sensor-${index}`, issuer: "devices", keyAlgorithm: "EC-P256" },
        repository,
      ),
    );
  }
  material = new Map(store.objects);
});

beforeEach(() => {
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", BUCKET);
  vi.stubEnv("AWS_REGION", "eu-north-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  vi.stubEnv("AWS_ENDPOINT_URL", "");
  vi.stubEnv("ENDPOINT_URL", "");
  vi.stubEnv("PUBLIC_BASE_URL", "");
  resetServicesForTesting();
  timeline = [];
  store = new RecordingObjectStore(timeline, material);
  importer = new RecordingImporter(timeline);
  useServicesForTesting({ objectStore: store, importer });
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function event(options: {
  method: "GET" | "POST";
  resource: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}): APIGatewayProxyEvent {
  let path = options.resource;
  for (const [name, value] of Object.entries(options.pathParameters ?? {})) path = path.replace(`{${name}}`, value);
  return {
    resource: options.resource,
    path,
    httpMethod: options.method,
    headers: { "content-type": "application/json", ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
  };
}

const json = (result: APIGatewayProxyResult) => JSON.parse(result.body);

/** The store's calls of one operation, in order. */
function callsOf<Operation extends StoreCall["operation"]>(operation: Operation) {
  return store
    .calls()
    .filter((call): call is Extract<StoreCall, { operation: Operation }> => call.operation === operation);
}

const listCalls = () => callsOf("list");
const putCalls = () => callsOf("putIfAbsent");
const getCalls = () => callsOf("get");
const deleteCalls = () => callsOf("delete");

function revoke(serial: string, body: unknown = { reason: "keyCompromise" }, headers?: Record<string, string>) {
  return revokeHandler(
    event({
      method: "POST",
      resource: "/certificates/device/{serial_number}/revoke",
      pathParameters: { serial_number: serial },
      body,
      headers,
    }),
  );
}

describe("GET /certificates/device (list-certificates handler)", () => {
  const list = (query?: Record<string, string>) =>
    listHandler(event({ method: "GET", resource: "/certificates/device", query }));

  it("a page is one listing under inventory/device/ with a limit ≤ 1000, and reads no object", async () => {
    const result = await list({ limit: "3" });
    expect(result.statusCode).toBe(200);
    const page = json(result);
    expect(page.items).toHaveLength(3);
    expect(page.next_token).toEqual(expect.any(String));
    for (const item of page.items) {
      expect(item).toMatchObject({ kind: "device", issuer: "devices", key_algorithm: "EC-P256", status: "valid" });
    }

    const calls = listCalls();
    const inventory = calls.filter((call) => call.key === "inventory/device/");
    expect(inventory).toEqual([{ operation: "list", key: "inventory/device/", startAfter: undefined, limit: 3 }]);
    expect(inventory[0]).toHaveProperty("startAfter", undefined);
    for (const call of calls) {
      expect(call.limit).toBeDefined();
      expect(call.limit).toBeLessThanOrEqual(1000);
      expect(call.key === "inventory/device/" || call.key.startsWith("revocations/intermediate/")).toBe(true);
    }
    expect(getCalls()).toHaveLength(0);
    expect(putCalls()).toHaveLength(0);
    expect(deleteCalls()).toHaveLength(0);
    expect(importer.requests).toHaveLength(0);
  });

  it("next_token continues after the last key; the pages cover every device once, without reading an object", async () => {
    const serials: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = json(await list(token === undefined ? { limit: "3" } : { limit: "3", next_token: token }));
      serials.push(...page.items.map((item: any) => item.serial_number));
      token = page.next_token ?? undefined;
      pages += 1;
    } while (token !== undefined && pages < 10);
    expect(pages).toBe(Math.ceil(DEVICES / 3));
    expect(serials.sort()).toEqual(devices.map((device) => device.record.serial_number).sort());

    const inventory = listCalls().filter((call) => call.key === "inventory/device/");
    expect(inventory[1]?.startAfter).toMatch(/^inventory\/device\/[0-9a-f]{32}~/);
    expect(getCalls()).toHaveLength(0);
  });

  it("the default page and the largest page ask the store for at most 1,000 keys", async () => {
    expect((await list()).statusCode).toBe(200);
    expect((await list({ limit: "1000" })).statusCode).toBe(200);
    expect((await list({ status: "valid", issuer: "devices" })).statusCode).toBe(200);
    const inventory = listCalls().filter((call) => call.key === "inventory/device/");
    expect(inventory.map((call) => call.limit)).toEqual([100, 1000, 1000]);
    expect(getCalls()).toHaveLength(0);
  });

  it("filters by status from the revocation keys, still without reading an object", async () => {
    const target = devices[2]?.record.serial_number as string;
    store.objects.set(`revocations/intermediate/devices/${target}.json`, "{}");
    const page = json(await list({ status: "revoked" }));
    expect(page.items.map((item: any) => item.serial_number)).toEqual([target]);
    expect(page.next_token).toBeNull();
    expect(listCalls().some((call) => call.key === "revocations/intermediate/devices/")).toBe(true);
    expect(getCalls()).toHaveLength(0);
  });

  it("a bad query is a 400 before any store call", async () => {
    const queries: Record<string, string>[] = [
      { limit: "1001" },
      { limit: "0" },
      { colour: "blue" },
      { next_token: "garbage" },
    ];
    for (const query of queries) {
      const result = await list(query);
      expect(result.statusCode).toBe(400);
      expect(result.headers?.["Content-Type"]).toBe("application/problem+json");
    }
    expect(timeline).toHaveLength(0);
  });

  it("a failing store (as S3 fails for a missing bucket or a 500) makes a page a 503 problem with Retry-After", async () => {
    store.failWhen = (call) => call.operation === "list";
    const result = await list({ limit: "3" });
    expect(result.statusCode).toBe(503);
    expect(result.headers?.["Content-Type"]).toBe("application/problem+json");
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(json(result)).toMatchObject({ status: 503 });
  });
});

describe("POST /certificates/device/{serial_number}/revoke (revoke-certificate handler)", () => {
  it("writes the revocation create-only (putIfAbsent), then a re-signed CRL under intermediate_ca/devices/crl/", async () => {
    const device = devices[0] as IssuedCertificate;
    const serial = device.record.serial_number;
    const result = await revoke(serial);
    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      serial_number: serial,
      status: "revoked",
      revocation_reason: "keyCompromise",
      crl_path: "/crl/intermediate/devices",
    });

    const puts = putCalls();
    expect(puts.map((call) => call.key)).toEqual([
      `revocations/intermediate/devices/${serial}.json`,
      expect.stringMatching(/^intermediate_ca\/devices\/crl\/\d{20}\.crl\.pem$/),
    ]);
    const [revocation, crl] = puts;
    expect(revocation).toMatchObject({ contentType: "application/json" });
    expect(JSON.parse(String(revocation?.body))).toMatchObject({
      kind: "device",
      serial_number: serial,
      subject_id: "sensor-0",
      reason: "keyCompromise",
      revoked_at: expect.any(String),
    });
    expect(crl).toMatchObject({ contentType: "application/pkix-crl" });

    // The stored CRL lists the serial with its reason and is signed by the devices intermediate.
    const parsed = new X509Crl(Buffer.from(String(crl?.body).replace(/-----[^-]+-----|\s+/g, ""), "base64"));
    expect(parsed.entries.map((entry) => entry.serialNumber.toLowerCase())).toEqual([serial]);
    expect(parsed.entries[0]?.reason).toBe(X509CrlReason.keyCompromise);
    const issuer = new X509Certificate(devicesCa.record.certificate);
    expect(parsed.issuer).toBe(issuer.subject);
    expect(await parsed.verify({ publicKey: issuer })).toBe(true);
    expect(await parsed.verify({ publicKey: new X509Certificate(root.record.certificate) })).toBe(false);

    // It read the certificate's record and the CA's key; it listed the inventory entry by serial.
    expect(listCalls().some((call) => call.key === `inventory/device/${serial}~`)).toBe(true);
    expect(getCalls().map((call) => call.key)).toEqual(
      expect.arrayContaining([
        `device_certificates/sensor-0/${serial}/certificate.json`,
        "intermediate_ca/devices/ca.json",
      ]),
    );
    expect(deleteCalls()).toHaveLength(0);
    expect(importer.requests).toHaveLength(0);
  });

  it("a second revocation is a 409: the create-only write loses, no new CRL", async () => {
    const serial = devices[1]?.record.serial_number as string;
    expect((await revoke(serial)).statusCode).toBe(200);
    timeline.length = 0;
    const again = await revoke(serial, { reason: "superseded" });
    expect(again.statusCode).toBe(409);
    expect(again.headers?.["Content-Type"]).toBe("application/problem+json");
    expect(putCalls().map((call) => call.key)).toEqual([`revocations/intermediate/devices/${serial}.json`]);
    expect(JSON.parse(store.objects.get(`revocations/intermediate/devices/${serial}.json`) ?? "{}").reason).toBe(
      "keyCompromise",
    );
  });

  it("an intermediate's revocation goes to revocations/root/default/ and root_ca/default/crl/", async () => {
    const result = await revokeHandler(
      event({
        method: "POST",
        resource: "/certificates/intermediate/{name}/revoke",
        pathParameters: { name: "servers" },
        body: { reason: "cACompromise" },
      }),
    );
    expect(result.statusCode).toBe(200);
    const serial = json(result).serial_number;
    expect(putCalls().map((call) => call.key)).toEqual([
      `revocations/root/default/${serial}.json`,
      expect.stringMatching(/^root_ca\/default\/crl\/\d{20}\.crl\.pem$/),
    ]);
  });

  it("refuses a root (400), an unknown serial (404) and a malformed one (400) without writing", async () => {
    const rootResult = await revokeHandler(
      event({
        method: "POST",
        resource: "/certificates/root/{name}/revoke",
        pathParameters: { name: "default" },
        body: {},
      }),
    );
    expect(rootResult.statusCode).toBe(400);
    expect((await revoke("0123456789abcdef0123456789abcdef")).statusCode).toBe(404);
    expect((await revoke("not-a-serial")).statusCode).toBe(400);
    expect((await revoke(devices[3]?.record.serial_number as string, { reason: "lost" })).statusCode).toBe(400);
    expect(putCalls()).toHaveLength(0);
  });

  it("an S3 failure on the revocation write is a 503 with Retry-After, and no CRL is written", async () => {
    // The revocation's write fails as the S3 adapter fails on a 500: with a DependencyError.
    store.failWhen = (call) => call.operation === "putIfAbsent" && call.key.startsWith("revocations/");
    const serial = devices[4]?.record.serial_number as string;
    const result = await revoke(serial);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.["Retry-After"]).toBe("1");
    expect(putCalls().map((call) => call.key)).toContain(`revocations/intermediate/devices/${serial}.json`);
    expect(putCalls().some((call) => call.key.includes("/crl/"))).toBe(false);
    expect(store.objects.has(`revocations/intermediate/devices/${serial}.json`)).toBe(false);
  });

  it("with Idempotency-Key, a retry replays the 200 and writes nothing more", async () => {
    const serial = devices[5]?.record.serial_number as string;
    const first = await revoke(serial, { reason: "keyCompromise" }, { "Idempotency-Key": "retry-1" });
    expect(first.statusCode).toBe(200);
    const written = putCalls().map((call) => call.key);
    expect(written).toEqual(
      expect.arrayContaining([
        `revocations/intermediate/devices/${serial}.json`,
        expect.stringMatching(/^idempotency\/[0-9a-f]{64}\/claim-0\.json$/),
        expect.stringMatching(/^idempotency\/[0-9a-f]{64}\/response-0\.json$/),
      ]),
    );
    timeline.length = 0;
    const retry = await revoke(serial, { reason: "keyCompromise" }, { "Idempotency-Key": "retry-1" });
    expect(retry.statusCode).toBe(200);
    expect(retry.headers?.["Idempotent-Replayed"]).toBe("true");
    expect(retry.body).toBe(first.body);
    expect(putCalls().map((call) => call.key)).toEqual([
      expect.stringMatching(/^idempotency\/[0-9a-f]{64}\/claim-0\.json$/),
    ]);
  });
});
