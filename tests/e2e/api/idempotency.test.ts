/**
 * Issue 4, `Idempotency-Key` on every POST, as a client retrying over a flaky
 * network sees it: a retry with the same key and the same body (whatever its
 * key order or spacing) gets the first response back, marked
 * `Idempotent-Replayed: true`, and nothing new is issued; the same key with
 * another body is a 422; a 4xx is replayed as it was; another key is another
 * request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHierarchy, expectProblem, listAll, postExpect, storeFiles } from "../../support/api/api-client.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi();
  await createHierarchy(api);
});

afterAll(async () => {
  await api?.stop();
});

const key = (value: string) => ({ "Idempotency-Key": value });

/** POSTs twice with one key and expects the second to be the first, replayed. */
async function expectReplayed(path: string, first: unknown, retry: unknown, idempotencyKey: string, status: number) {
  const original = await api.post(path, first, key(idempotencyKey));
  expect(original.status, JSON.stringify(original.body)).toBe(status);
  expect(original.headers.get("idempotent-replayed")).toBeNull();
  const replay = await api.post(path, retry, key(idempotencyKey));
  expect(replay.status).toBe(status);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(replay.headers.get("content-type")).toBe(original.headers.get("content-type"));
  expect(replay.body).toEqual(original.body);
  return { original: original.body, replay: replay.body };
}

describe("POST /certificates/server with Idempotency-Key", () => {
  const fqdn = "idem.dev.example.com";

  it("a retry with the same body, keys reordered and re-spaced, replays the first response: one certificate", async () => {
    const compact = JSON.stringify({ fqdn, issuer: "servers", key_algorithm: "EC-P256", organization: "Acme IoT" });
    const reordered = `{\n  "organization" : "Acme IoT",\n\t"key_algorithm":"EC-P256" ,  "issuer": "servers",\n "fqdn":"${fqdn}"\n}\n`;
    const { original, replay } = await expectReplayed("/certificates/server", compact, reordered, "k1", 201);
    expect(replay.serial_number).toBe(original.serial_number);
    expect(replay.private_key).toBe(original.private_key);
    expect(replay.acm_certificate_arn).toBe(original.acm_certificate_arn);

    // A third try, still the same.
    const third = await api.post("/certificates/server", JSON.parse(compact), key("k1"));
    expect(third.body.serial_number).toBe(original.serial_number);

    const rows = (await listAll(api, "server")).items.filter((item) => item.fqdn === fqdn);
    expect(rows.map((row) => row.serial_number)).toEqual([original.serial_number]);
    const folders = new Set(
      storeFiles(api.storeDirectory)
        .filter((file) => file.startsWith(`server_certificates/${fqdn}/`))
        .map((file) => file.split("/")[2]),
    );
    expect([...folders]).toEqual([original.serial_number]);
  });

  it("the same key with a different body is a 422 problem, and issues nothing", async () => {
    const before = storeFiles(api.storeDirectory).filter((file) => !file.startsWith("idempotency/"));
    const problem = expectProblem(
      await api.post("/certificates/server", { fqdn, issuer: "servers", key_algorithm: "EC-P384" }, key("k1")),
      422,
      "Idempotency-Key",
    );
    expect(problem.detail).toMatch(/different request body/);
    expect(storeFiles(api.storeDirectory).filter((file) => !file.startsWith("idempotency/"))).toEqual(before);
  });

  it("a request that failed with a 4xx replays the same 4xx", async () => {
    const invalid = await expectReplayed(
      "/certificates/server",
      { fqdn: "not a host!" },
      { fqdn: "not a host!" },
      "k-400",
      400,
    );
    expect(invalid.replay).toMatchObject({ status: 400, field: "fqdn" });

    // Even once the cause is gone: the stored answer is the answer for that key.
    const missingIssuer = { fqdn: "later.dev.example.com", issuer: "later", key_algorithm: "EC-P256" };
    const first = await api.post("/certificates/server", missingIssuer, key("k-404"));
    expectProblem(first, 404);
    await postExpect(api, "/certificates/intermediate", { name: "later", key_algorithm: "EC-P256" }, 201);
    const retry = await api.post("/certificates/server", missingIssuer, key("k-404"));
    expectProblem(retry, 404);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    // A new key is a new request, which now succeeds.
    await postExpect(api, "/certificates/server", missingIssuer, 201, key("k-404-b"));
  });

  it("different keys are different requests: different serials", async () => {
    const body = { fqdn: "idem2.dev.example.com", issuer: "servers", key_algorithm: "EC-P256" };
    const a = await postExpect(api, "/certificates/server", body, 201, key("k2"));
    const b = await postExpect(api, "/certificates/server", body, 201, key("k3"));
    const c = await postExpect(api, "/certificates/server", body, 201);
    expect(new Set([a.serial_number, b.serial_number, c.serial_number]).size).toBe(3);
    const rows = (await listAll(api, "server")).items.filter((item) => item.fqdn === body.fqdn);
    expect(rows).toHaveLength(3);
  });

  it("refuses a malformed key with 400", async () => {
    const body = { fqdn: "idem3.dev.example.com", issuer: "servers", key_algorithm: "EC-P256" };
    expectProblem(await api.post("/certificates/server", body, key("has space")), 400, "Idempotency-Key");
    expectProblem(await api.post("/certificates/server", body, key("x".repeat(256))), 400, "Idempotency-Key");
    expect((await listAll(api, "server")).items.filter((item) => item.fqdn === body.fqdn)).toEqual([]);
  });
});

describe("Idempotency-Key on every POST route", () => {
  it("root: the replay returns the CA instead of 409", async () => {
    const body = { name: "idem-root", key_algorithm: "EC-P256" };
    const { original } = await expectReplayed(
      "/certificates/root",
      body,
      { key_algorithm: "EC-P256", name: "idem-root" },
      "r1",
      201,
    );
    expect(original.name).toBe("idem-root");
    expectProblem(await api.post("/certificates/root", body), 409, "name");
  });

  it("intermediate: the replay returns the CA instead of 409", async () => {
    const body = { name: "idem-int", issuer: "idem-root", key_algorithm: "EC-P256" };
    await expectReplayed("/certificates/intermediate", body, { ...body }, "i1", 201);
    expectProblem(await api.post("/certificates/intermediate", body), 409, "name");
    const cas = (await listAll(api, "intermediate")).items.filter((item) => item.id === "idem-int");
    expect(cas).toHaveLength(1);
  });

  it("device: one certificate for the key", async () => {
    const body = { device_id: "idem-device", issuer: "devices", key_algorithm: "EC-P256" };
    const { original } = await expectReplayed("/certificates/device", body, { ...body }, "d1", 201);
    const rows = (await listAll(api, "device")).items.filter((item) => item.device_id === "idem-device");
    expect(rows.map((row) => row.serial_number)).toEqual([original.serial_number]);
  });

  it("batch: the same devices, issued once", async () => {
    const before = (await listAll(api, "device")).items.length;
    const body = { count: 3, issuer: "devices", key_algorithm: "EC-P256" };
    const { original, replay } = await expectReplayed("/certificates/device/batch", body, { ...body }, "b1", 201);
    expect(replay.results.map((result: any) => result.serial_number)).toEqual(
      original.results.map((result: any) => result.serial_number),
    );
    expect((await listAll(api, "device")).items.length).toBe(before + 3);
  });

  it("revoke: the replay answers 200 again, where a plain retry is a 409", async () => {
    const device = await postExpect(api, "/certificates/device", { issuer: "devices", key_algorithm: "EC-P256" }, 201);
    const path = `/certificates/device/${device.serial_number}/revoke`;
    const { original } = await expectReplayed(
      path,
      { reason: "keyCompromise" },
      { reason: "keyCompromise" },
      "v1",
      200,
    );
    expect(original).toMatchObject({ status: "revoked", serial_number: device.serial_number });
    expectProblem(await api.post(path, { reason: "keyCompromise" }), 409);
    expectProblem(await api.post(path, { reason: "superseded" }, key("v1")), 422, "Idempotency-Key");
  });

  it("a key is scoped to its route: the same key on another route is another request", async () => {
    await postExpect(
      api,
      "/certificates/device",
      { device_id: "scoped", issuer: "devices", key_algorithm: "EC-P256" },
      201,
      key("shared"),
    );
    const other = await api.post(
      "/certificates/intermediate",
      { name: "scoped", key_algorithm: "EC-P256" },
      key("shared"),
    );
    expect(other.status).toBe(201);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });
});
