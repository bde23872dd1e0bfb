/**
 * The portal's counting and paging code (no DOM) against a real local
 * server, in Node: the census counts by issuer, exactly when it read every
 * page and "at least" when it stopped at its bound; and the two ways the
 * hierarchy pages an intermediate's certificates (from the census, or from
 * the list route with `issuer=` and `next_token`) give the same pages, which
 * are the API's own. The browser test with 10,000 devices
 * (portal-fleet.test.ts) only meets a census that read everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../../src/portal/api.js";
import { censusCount, formatCount, takeCensus } from "../../../src/portal/inventory-census.js";
import {
  apiSource,
  censusSource,
  ISSUED_PAGE_SIZE,
  type IssuedSource,
} from "../../../src/portal/issued-certificates.js";
import type { InventoryItem, InventoryPage } from "../../../src/portal/model.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

const ALPHA_DEVICES = 40;
const BETA_DEVICES = 12;

/** Every page a source gives, from the first, following its tokens. */
async function allPages(source: IssuedSource): Promise<string[][]> {
  const pages: string[][] = [];
  let token: string | undefined;
  for (let guard = 0; guard < 20; guard += 1) {
    const page: InventoryPage = await source(token);
    pages.push(page.items.map((item) => item.serial_number));
    if (!page.next_token) return pages;
    token = page.next_token;
  }
  throw new Error("more than 20 pages");
}

describe("inventory census and paging against the local server", () => {
  let server: LocalApi | undefined;
  let api: ApiClient;
  /** The API's own listing of alpha's devices, in its order. */
  let alphaSerials: string[] = [];

  beforeAll(async () => {
    server = await startLocalApi();
    const created = async (path: string, body: unknown) => {
      const response = await server?.post(path, body);
      expect(response?.status, JSON.stringify(response?.body)).toBe(201);
    };
    await created("/certificates/root", { name: "census-root", key_algorithm: "EC-P256" });
    for (const name of ["alpha", "beta"]) {
      await created("/certificates/intermediate", { name, issuer: "census-root", key_algorithm: "EC-P256" });
    }
    await created("/certificates/device/batch", { issuer: "alpha", count: ALPHA_DEVICES, key_algorithm: "EC-P256" });
    await created("/certificates/device/batch", { issuer: "beta", count: BETA_DEVICES, key_algorithm: "EC-P256" });
    await created("/certificates/server", { fqdn: "broker.alpha.example", issuer: "alpha", key_algorithm: "EC-P256" });
    api = new ApiClient(server.baseUrl);
    const listed = await server.get("/certificates/device?issuer=alpha&limit=1000");
    alphaSerials = (listed.body.items as InventoryItem[]).map((item) => item.serial_number);
    expect(alphaSerials).toHaveLength(ALPHA_DEVICES);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("counts every issuer exactly when it read every page", async () => {
    const devices = await takeCensus(api, "device", new Date());
    const servers = await takeCensus(api, "server", new Date());
    if (!devices || !servers) throw new Error("census cancelled");
    expect(devices.complete).toBe(true);
    expect(devices.read).toBe(ALPHA_DEVICES + BETA_DEVICES);
    expect(censusCount(devices, "alpha")).toEqual({ value: ALPHA_DEVICES, qualifier: "exactly" });
    expect(censusCount(devices, "beta")).toEqual({ value: BETA_DEVICES, qualifier: "exactly" });
    expect(censusCount(servers, "alpha")).toEqual({ value: 1, qualifier: "exactly" });
    expect(censusCount(servers, "beta")).toEqual({ value: 0, qualifier: "exactly" });
    // Ten-year devices: nothing in the next 90 days.
    expect(devices.byIssuer.get("alpha")?.expiringByWeek.every((count) => count === 0)).toBe(true);
    expect(devices.itemsByIssuer.get("alpha")?.map((item) => item.serial_number)).toEqual(alphaSerials);
  });

  it("says 'at least' when it stopped at its bound, and stops when cancelled", async () => {
    const bounded = await takeCensus(api, "device", new Date(), { pageSize: 20, maxPages: 2 });
    if (!bounded) throw new Error("census cancelled");
    expect(bounded.complete).toBe(false);
    expect(bounded.read).toBe(40);
    const alpha = censusCount(bounded, "alpha");
    const beta = censusCount(bounded, "beta");
    expect(alpha.qualifier).toBe("at least");
    expect(alpha.value + beta.value).toBe(40);
    expect(formatCount(alpha)).toBe(`at least ${alpha.value}`);

    let requests = 0;
    const counting = {
      get: <T>(path: string, query: Record<string, string | undefined>) => {
        requests += 1;
        return api.get<T>(path, query);
      },
    };
    expect(await takeCensus(counting, "device", new Date(), { pageSize: 20, cancelled: () => requests >= 1 })).toBe(
      undefined,
    );
    expect(requests).toBe(1);
  });

  it("pages an intermediate's certificates the same from the census and from the API's next_token", async () => {
    const fromApi = await allPages(apiSource(api, "device", "alpha"));
    const devices = await takeCensus(api, "device", new Date());
    const fromCensus = await allPages(censusSource(devices?.itemsByIssuer.get("alpha") ?? []));
    expect(fromApi.map((page) => page.length)).toEqual([ISSUED_PAGE_SIZE, ALPHA_DEVICES - ISSUED_PAGE_SIZE]);
    expect(fromCensus).toEqual(fromApi);
    expect(fromApi.flat()).toEqual(alphaSerials);
    expect(await allPages(apiSource(api, "server", "beta"))).toEqual([[]]);
  });
});
