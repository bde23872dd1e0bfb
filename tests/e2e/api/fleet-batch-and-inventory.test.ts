/**
 * Issue 4, fleet issuance and the inventory, over HTTP on the local server:
 *
 * - POST /certificates/device/batch: 500 EC devices in one call (timed), each
 *   with its certificate and key, the chain once at the top, verified by
 *   openssl; a CSR batch where one CSR is bad answers 207 and still issues
 *   the good one; the limits (1,000 devices, 100 generated RSA keys, count
 *   xor devices) answer 400.
 * - GET /certificates/device: 1,000+ devices paged 100 at a time by
 *   next_token (timed), no duplicates, none missing; filters by issuer,
 *   status and expiry; bad queries answer 400; the detail view; the CA lists
 *   and their PEM bundles.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHierarchy,
  expectProblem,
  type InventoryRow,
  listAll,
  postExpect,
  storeFiles,
  unknownSerial,
} from "../../support/api/api-client.js";
import {
  certificatePublicKey,
  csrPublicKey,
  makeKeyAndCsr,
  runWithFiles,
  tamperSignature,
} from "../../support/api/openssl-tools.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslVerify, splitPemChain } from "../../support/openssl.js";

let api: LocalApi;
let root: any;
let intermediates: Record<string, any>;
/** Every device certificate this file issued, by serial. */
const issued = new Map<string, { certificate: string; issuer: string }>();
let firstBatch: any;

beforeAll(async () => {
  api = await startLocalApi();
  ({ root, intermediates } = await createHierarchy(api, ["servers", "devices", "devices-b"]));
});

afterAll(async () => {
  await api?.stop();
});

function publicKeyOfPrivateKey(privateKeyPem: string): string {
  const result = runWithFiles("openssl", (f) => ["pkey", "-in", f["key.pem"] as string, "-pubout"], {
    "key.pem": privateKeyPem,
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe("POST /certificates/device/batch", () => {
  it("issues 500 EC devices in one call: 201, 500 results with certificate and key, one chain at the top", async () => {
    const started = performance.now();
    const body = await postExpect(
      api,
      "/certificates/device/batch",
      { count: 500, issuer: "devices", organization: "Acme IoT", country: "SE", key_algorithm: "EC-P256" },
      201,
    );
    const elapsed = performance.now() - started;
    console.log(`[figure] POST /certificates/device/batch count=500 (EC-P256): ${elapsed.toFixed(0)} ms`);
    firstBatch = body;

    expect(body).toMatchObject({ issuer: "devices", issued: 500, failed: 0 });
    expect(splitPemChain(body.certificate_chain)).toEqual([intermediates.devices.certificate, root.certificate]);
    expect(body.results).toHaveLength(500);
    for (const result of body.results) {
      expect(result).toMatchObject({
        status: 201,
        device_id: expect.any(String),
        serial_number: expect.stringMatching(/^[0-9a-f]{32}$/),
        key_algorithm: "EC-P256",
        certificate: expect.stringContaining("-----BEGIN CERTIFICATE-----"),
        private_key: expect.stringContaining("-----BEGIN PRIVATE KEY-----"),
      });
      expect(result).not.toHaveProperty("certificate_chain");
      issued.set(result.serial_number, { certificate: result.certificate, issuer: "devices" });
    }
    expect(new Set(body.results.map((result: any) => result.serial_number)).size).toBe(500);
    expect(new Set(body.results.map((result: any) => result.device_id)).size).toBe(500);

    for (const index of [0, 137, 311, 499]) {
      const result = body.results[index];
      const verdict = opensslVerify({
        trusted: root.certificate,
        untrusted: body.certificate_chain,
        certificate: result.certificate,
        purpose: "sslclient",
      });
      expect(verdict.output).toContain("OK");
      expect(verdict.ok).toBe(true);
      expect(publicKeyOfPrivateKey(result.private_key)).toBe(certificatePublicKey(result.certificate));
    }
  });

  it("issues a second batch of 500 (1,000 devices from batches in all)", async () => {
    const body = await postExpect(
      api,
      "/certificates/device/batch",
      { count: 500, issuer: "devices", key_algorithm: "EC-P256" },
      201,
    );
    expect(body.results).toHaveLength(500);
    for (const result of body.results) {
      expect(result.status).toBe(201);
      expect(issued.has(result.serial_number)).toBe(false);
      issued.set(result.serial_number, { certificate: result.certificate, issuer: "devices" });
    }
    expect(issued.size).toBe(1000);
  });

  it("a CSR batch with one bad CSR: 207, the good device 201 and in the inventory, the bad one 400 with a problem", async () => {
    const good = makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "csr-good-1" });
    const bad = tamperSignature(makeKeyAndCsr({ keyAlgorithm: "EC-P256", commonName: "csr-bad-1" }).csrPem);
    const body = await postExpect(
      api,
      "/certificates/device/batch",
      {
        issuer: "devices",
        devices: [
          { device_id: "csr-good-1", csr: good.csrPem },
          { device_id: "csr-bad-1", csr: bad },
        ],
      },
      207,
    );
    expect(body).toMatchObject({ issued: 1, failed: 1 });
    const [ok, failed] = body.results;
    expect(ok).toMatchObject({ device_id: "csr-good-1", status: 201, serial_number: expect.any(String) });
    expect(ok).not.toHaveProperty("private_key");
    expect(certificatePublicKey(ok.certificate)).toBe(csrPublicKey(good.csrPem));
    expect(failed).toMatchObject({
      device_id: "csr-bad-1",
      status: 400,
      error: {
        type: expect.stringMatching(/^urn:iot-certificates:problem:/),
        title: expect.any(String),
        status: 400,
        detail: expect.stringMatching(/signature/),
        field: "csr",
      },
    });
    expect(failed).not.toHaveProperty("certificate");
    issued.set(ok.serial_number, { certificate: ok.certificate, issuer: "devices" });

    const details = await api.get(`/certificates/device/${ok.serial_number}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({ device_id: "csr-good-1", status: "valid", certificate: ok.certificate });
    expect(storeFiles(api.storeDirectory).some((file) => file.startsWith("device_certificates/csr-bad-1/"))).toBe(
      false,
    );
  });

  it("refuses batches over the limits with 400, writing nothing", async () => {
    const before = storeFiles(api.storeDirectory);
    expectProblem(await api.post("/certificates/device/batch", { count: 1001, issuer: "devices" }), 400, "count");
    expectProblem(
      await api.post("/certificates/device/batch", {
        issuer: "devices",
        devices: Array.from({ length: 1001 }, () => ({})),
      }),
      400,
      "devices",
    );
    const both = expectProblem(
      await api.post("/certificates/device/batch", { count: 1, devices: [{ device_id: "x" }], issuer: "devices" }),
      400,
    );
    expect(both.detail).toMatch(/count or devices/);
    expectProblem(await api.post("/certificates/device/batch", { issuer: "devices" }), 400);
    const rsa = expectProblem(
      await api.post("/certificates/device/batch", { count: 101, issuer: "devices", key_algorithm: "RSA-2048" }),
      400,
      "key_algorithm",
    );
    expect(rsa.detail).toContain("100");
    expectProblem(await api.post("/certificates/device/batch", { count: 0, issuer: "devices" }), 400, "count");
    expect(storeFiles(api.storeDirectory)).toEqual(before);
  });
});

describe("GET /certificates/device: the inventory", () => {
  const revoked: string[] = [];
  const otherIssuer: string[] = [];
  let shortLived: string;

  beforeAll(async () => {
    expect(issued.size).toBeGreaterThanOrEqual(1000);
    for (const deviceId of ["b-sensor-1", "b-sensor-2", "b-sensor-3"]) {
      const body = await postExpect(
        api,
        "/certificates/device",
        { device_id: deviceId, issuer: "devices-b", key_algorithm: "EC-P256" },
        201,
      );
      otherIssuer.push(body.serial_number);
      issued.set(body.serial_number, { certificate: body.certificate, issuer: "devices-b" });
    }
    const short = await postExpect(
      api,
      "/certificates/device",
      { device_id: "short-lived", issuer: "devices", key_algorithm: "EC-P256", validity_days: 10 },
      201,
    );
    shortLived = short.serial_number;
    issued.set(shortLived, { certificate: short.certificate, issuer: "devices" });
    for (const result of firstBatch.results.slice(0, 2)) {
      await postExpect(api, `/certificates/device/${result.serial_number}/revoke`, { reason: "keyCompromise" }, 200);
      revoked.push(result.serial_number);
    }
  });

  it("pages through every device 100 at a time: each issued serial exactly once", async () => {
    let started = performance.now();
    const first = await api.get("/certificates/device?limit=100");
    const firstPageMs = performance.now() - started;
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(100);
    expect(first.body.next_token).toEqual(expect.any(String));

    started = performance.now();
    const { items, pages } = await listAll(api, "device", { limit: "100" });
    const allMs = performance.now() - started;
    console.log(
      `[figure] GET /certificates/device?limit=100: one page ${firstPageMs.toFixed(0)} ms; ` +
        `all ${items.length} devices in ${pages} pages ${allMs.toFixed(0)} ms`,
    );

    const serials = items.map((item) => item.serial_number);
    expect(new Set(serials).size).toBe(serials.length);
    expect(serials.length).toBe(issued.size);
    expect(new Set(serials)).toEqual(new Set(issued.keys()));
    expect(issued.size).toBe(1000 + 1 + 3 + 1);
    expect(pages).toBe(Math.ceil(issued.size / 100));

    for (const item of items) {
      expect(item).toMatchObject({
        kind: "device",
        id: item.serial_number,
        issuer: issued.get(item.serial_number)?.issuer,
        key_algorithm: "EC-P256",
        status: revoked.includes(item.serial_number) ? "revoked" : "valid",
      });
      expect(item).not.toHaveProperty("private_key");
      expect(item).not.toHaveProperty("certificate");
    }
  });

  it("filters: issuer=, status=revoked, status=valid, expires_before=", async () => {
    const byIssuer = await listAll(api, "device", { issuer: "devices-b" });
    expect(byIssuer.items.map((item) => item.serial_number).sort()).toEqual([...otherIssuer].sort());
    expect(byIssuer.items.map((item) => item.device_id).sort()).toEqual(["b-sensor-1", "b-sensor-2", "b-sensor-3"]);

    const revokedRows = await listAll(api, "device", { status: "revoked", limit: "100" });
    expect(revokedRows.items.map((item) => item.serial_number).sort()).toEqual([...revoked].sort());
    expect(revokedRows.items.every((item) => item.status === "revoked")).toBe(true);

    const valid = await listAll(api, "device", { status: "valid", limit: "1000" });
    const validSerials = new Set(valid.items.map((item: InventoryRow) => item.serial_number));
    expect(validSerials.size).toBe(issued.size - revoked.length);
    for (const serial of revoked) expect(validSerials.has(serial)).toBe(false);

    const inThirtyDays = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const expiring = await listAll(api, "device", { expires_before: inThirtyDays });
    expect(expiring.items.map((item) => item.serial_number)).toEqual([shortLived]);
    expect((await listAll(api, "device", { expires_before: "2020-01-01" })).items).toEqual([]);

    const combined = await listAll(api, "device", { issuer: "devices", status: "revoked" });
    expect(combined.items.map((item) => item.serial_number).sort()).toEqual([...revoked].sort());
  });

  it("refuses bad queries with 400 naming the parameter", async () => {
    expectProblem(await api.get("/certificates/device?limit=0"), 400, "limit");
    expectProblem(await api.get("/certificates/device?limit=1001"), 400, "limit");
    expectProblem(await api.get("/certificates/device?limit=ten"), 400, "limit");
    expectProblem(await api.get("/certificates/device?colour=blue"), 400, "colour");
    expectProblem(await api.get("/certificates/device?next_token=not-a-token"), 400, "next_token");
    expectProblem(await api.get("/certificates/device?status=lost"), 400, "status");
    expectProblem(await api.get("/certificates/device?expires_before=someday"), 400, "expires_before");
    expectProblem(await api.get("/certificates/device?issuer=Not_A_Slug"), 400, "issuer");
  });

  // A token of another listing is "not a token this API returned" for this one: a 400, not a 500.
  it("refuses a next_token from another kind's listing with 400", async () => {
    const intermediatePage = await api.get("/certificates/intermediate?limit=1");
    expect(intermediatePage.status).toBe(200);
    const token = intermediatePage.body.next_token as string;
    expect(token).toEqual(expect.any(String));
    expectProblem(await api.get(`/certificates/device?next_token=${encodeURIComponent(token)}`), 400, "next_token");
  });

  it("GET /certificates/device/{serial}: the certificate, chain and status, never a key; 404 and 400", async () => {
    const [serial, entry] = [...issued.entries()].find(([s]) => !revoked.includes(s)) as [
      string,
      { certificate: string },
    ];
    const details = await api.get(`/certificates/device/${serial}`);
    expect(details.status).toBe(200);
    expect(details.headers.get("content-type")).toBe("application/json");
    expect(details.body).toMatchObject({
      kind: "device",
      serial_number: serial,
      status: "valid",
      issuer: "devices",
      certificate: entry.certificate,
    });
    expect(splitPemChain(details.body.certificate_chain)).toEqual([
      intermediates.devices.certificate,
      root.certificate,
    ]);
    expect(details.body).not.toHaveProperty("private_key");
    expect(JSON.stringify(details.body)).not.toContain("PRIVATE KEY");

    const upper = await api.get(`/certificates/device/${serial.toUpperCase()}`);
    expect(upper.status).toBe(200);
    expect(upper.body.serial_number).toBe(serial);

    const gone = await api.get(`/certificates/device/${revoked[0]}`);
    expect(gone.body).toMatchObject({ status: "revoked", revocation_reason: "keyCompromise" });

    expectProblem(await api.get(`/certificates/device/${unknownSerial()}`), 404);
    expectProblem(await api.get("/certificates/device/not-a-serial"), 400, "serial_number");
    expectProblem(await api.get("/certificates/device/0123"), 400, "serial_number");
  });

  it("GET /certificates/root and /certificates/intermediate list the CAs", async () => {
    const roots = await listAll(api, "root");
    expect(roots.items).toEqual([
      expect.objectContaining({
        kind: "root",
        id: "default",
        name: "default",
        serial_number: root.serial_number,
        status: "valid",
      }),
    ]);
    expect(roots.items[0]).not.toHaveProperty("issuer");
    const cas = await listAll(api, "intermediate");
    expect(cas.items.map((item) => item.id).sort()).toEqual(["devices", "devices-b", "servers"]);
    for (const item of cas.items) {
      expect(item).toMatchObject({
        kind: "intermediate",
        issuer: "default",
        status: "valid",
        key_algorithm: "EC-P256",
      });
      expect(item.serial_number).toBe(intermediates[item.id]?.serial_number);
    }
    const servers = await listAll(api, "server");
    expect(servers.items).toEqual([]);
  });

  it("Accept: application/x-pem-file on a CA returns its chain PEM", async () => {
    const chain = await api.get("/certificates/intermediate/devices", { accept: "application/x-pem-file" });
    expect(chain.status).toBe(200);
    expect(chain.headers.get("content-type")).toBe("application/x-pem-file");
    expect(splitPemChain(chain.body)).toEqual([intermediates.devices.certificate, root.certificate]);
    const rootPem = await api.get("/certificates/root/default", { accept: "application/x-pem-file" });
    expect(rootPem.status).toBe(200);
    expect(splitPemChain(rootPem.body)).toEqual([root.certificate]);
    expect(rootPem.body).not.toContain("PRIVATE KEY");
    expectProblem(await api.get("/certificates/intermediate/nope"), 404);
  });
});
