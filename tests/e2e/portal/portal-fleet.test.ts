/**
 * The portal with a fleet, in Debian's Chromium: 10,000 EC-P256 devices
 * issued through the batch route (10 calls of MAX_BATCH_SIZE = 1,000) under
 * one intermediate, beside two small ones. A person sees every CA and the
 * search without scrolling past thousands of rows, reads real totals, pages
 * the fleet's table, and reads the expiry chart (or its table).
 *
 * The time to the first render is printed (and written in docs/portal.md),
 * never asserted: the tests hold no timing limit.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_SIZE } from "../../../src/core/issuance/batch-limits.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type Browser, launchChromium } from "../../support/portal/browser.js";
import { assertPortalServed, screenshot } from "../../support/portal/portal-page.js";

const FLEET_SIZE = 10_000;
/** Validity of three of the batches, so that 3,000 devices expire within 90 days, in three different weeks. */
const SHORT_VALIDITIES = [10, 40, 80];

interface BatchResult {
  serial_number: string;
  not_after: string;
}

describe("portal with a fleet of 10,000 device certificates", () => {
  let api: LocalApi | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];
  /** `not_after` date (UTC day) → devices of the fleet expiring that day, for the short batches. */
  const expiringOn = new Map<string, number>();

  beforeAll(async () => {
    api = await startLocalApi();
    await assertPortalServed(api.baseUrl);
    const created = async (path: string, body: unknown) => {
      const response = await api?.post(path, body);
      expect(response?.status, JSON.stringify(response?.body)).toBe(201);
      return response?.body;
    };
    await created("/certificates/root", { name: "fleet-root", key_algorithm: "EC-P256" });
    for (const name of ["fleet", "lab", "servers"]) {
      await created("/certificates/intermediate", { name, issuer: "fleet-root", key_algorithm: "EC-P256" });
    }
    await created("/certificates/server", { fqdn: "broker.lab.example", issuer: "servers", key_algorithm: "EC-P256" });
    await created("/certificates/device", {
      device_id: "lab-0001",
      issuer: "lab",
      key_algorithm: "EC-P256",
      validity_days: 20,
    });
    const batches = FLEET_SIZE / MAX_BATCH_SIZE;
    for (let batch = 0; batch < batches; batch += 1) {
      const validity = SHORT_VALIDITIES[batch - (batches - SHORT_VALIDITIES.length)];
      const body = await created("/certificates/device/batch", {
        issuer: "fleet",
        count: MAX_BATCH_SIZE,
        key_algorithm: "EC-P256",
        ...(validity === undefined ? {} : { validity_days: validity }),
      });
      expect(body.issued).toBe(MAX_BATCH_SIZE);
      if (validity !== undefined) {
        for (const result of body.results as BatchResult[]) {
          const day = result.not_after.slice(0, 10);
          expiringOn.set(day, (expiringOn.get(day) ?? 0) + 1);
        }
      }
    }
    const listed = await api.get("/certificates/device?issuer=fleet&limit=1000");
    expect(listed.body.items).toHaveLength(1000);
    expect(listed.body.next_token).toEqual(expect.any(String));

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error" || /Content[- ]Security[- ]Policy/i.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  }, 900_000);

  // Removing the store (some 70,000 files) takes a minute or more on a slow disk.
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  }, 300_000);

  const fleet = () => page.locator('#hierarchy details.leaves[data-issuer="fleet"]');

  it("shows every CA, the first page of rows and real totals; prints the time to the first render", async () => {
    if (!api) throw new Error("no API");
    const started = Date.now();
    await page.goto(`${api.baseUrl}/`);
    await page.waitForFunction(() => performance.getEntriesByName("portal:certificates-shown").length > 0, null, {
      timeout: 60_000,
    });
    const wallClock = Date.now() - started;
    const marks = await page.evaluate(() =>
      Object.fromEntries(
        ["portal:cas-shown", "portal:certificates-shown"].map((name) => [
          name,
          Math.round(performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN),
        ]),
      ),
    );
    console.log(
      `[portal-fleet] ${FLEET_SIZE.toLocaleString("en-US")} devices in the store: CAs on screen ${marks["portal:cas-shown"]} ms, ` +
        `first page of rows + totals + expiry chart ${marks["portal:certificates-shown"]} ms after navigation start ` +
        `(performance marks in the page); page.goto to that point ${wallClock} ms (wall clock)`,
    );
    expect(marks["portal:certificates-shown"]).toBeGreaterThanOrEqual(marks["portal:cas-shown"] ?? Number.NaN);

    const summaries = await page.locator("#hierarchy details.leaves > summary").allTextContents();
    expect(summaries).toEqual([
      "Issued by fleet: 0 server, 10,000 device certificates",
      "Issued by lab: 0 server, 1 device certificate",
      "Issued by servers: 1 server, 0 device certificates",
    ]);
    // The fleet starts collapsed; the small ones open, with their rows.
    expect(await fleet().evaluate((details: HTMLDetailsElement) => details.open)).toBe(false);
    expect(await page.locator('#hierarchy tr[data-subject="lab-0001"]').isVisible()).toBe(true);
    expect(await page.locator('#hierarchy tr[data-subject="broker.lab.example"]').isVisible()).toBe(true);
    // Only a page of the fleet is in the document, never the fleet.
    expect(await page.locator("#hierarchy tbody tr").count()).toBe(2 + 25);
    for (const name of ["fleet-root", "fleet", "lab", "servers"]) {
      expect(await page.locator(`#hierarchy .node[data-subject="${name}"]`).isVisible()).toBe(true);
    }
    await screenshot(page, "fleet-01-loaded", { fullPage: true });
  });

  it("opens the fleet's table from the keyboard and pages it like the API's next_token does", async () => {
    if (!api) throw new Error("no API");
    const summary = fleet().locator("summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    expect(await fleet().evaluate((details: HTMLDetailsElement) => details.open)).toBe(true);

    const devices = fleet().locator('.issued[data-kind="device"]');
    const rowsLine = devices.locator(".page-number");
    const serials = () =>
      devices.locator("tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-serial")));
    expect(await rowsLine.textContent()).toBe("Rows 1–25 of 10,000");
    const fromApi = await api.get("/certificates/device?issuer=fleet&limit=50");
    const apiSerials = (fromApi.body.items as BatchResult[]).map((item) => item.serial_number);
    expect(await serials()).toEqual(apiSerials.slice(0, 25));

    const next = devices.getByRole("button", { name: "Next ›" });
    const previous = devices.getByRole("button", { name: "‹ Previous" });
    expect(await previous.isDisabled()).toBe(true);
    await next.focus();
    await page.keyboard.press("Enter");
    await devices.locator(".page-number", { hasText: "Rows 26–50 of 10,000" }).waitFor();
    expect(await serials()).toEqual(apiSerials.slice(25, 50));
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Next ›");
    await page.locator("#status", { hasText: "Device certificates of fleet: Rows 26–50 of 10,000." }).waitFor();

    // Revoking a device on page 2 refreshes the page (and recounts): the table stays open, on page 2.
    const dates = await devices.locator("tbody tr time").allTextContents();
    const index = dates.findIndex((date) => !expiringOn.has(date));
    if (index < 0) throw new Error("no long-lived device on page 2");
    const victim = apiSerials[25 + index] ?? "";
    await devices
      .locator(`tr[data-serial="${victim}"]`)
      .getByRole("button", { name: /^Revoke/ })
      .click();
    const dialog = page.getByRole("dialog", { name: "Revoke a certificate" });
    await dialog.getByRole("button", { name: "Revoke certificate" }).click();
    await devices.locator(`tr.row-revoked[data-serial="${victim}"]`).waitFor({ timeout: 30_000 });
    expect(await fleet().evaluate((details: HTMLDetailsElement) => details.open)).toBe(true);
    expect(await rowsLine.textContent()).toBe("Rows 26–50 of 10,000");
    expect(await serials()).toEqual(apiSerials.slice(25, 50));
    expect(await fleet().locator("summary").textContent()).toBe(
      "Issued by fleet: 0 server, 10,000 device certificates",
    );

    await previous.click();
    await devices.locator(".page-number", { hasText: "Rows 1–25 of 10,000" }).waitFor();
    expect(await serials()).toEqual(apiSerials.slice(0, 25));
    expect(await previous.isDisabled()).toBe(true);

    // The rows scroll inside their box; the page does not grow with them.
    const box = await devices.locator(".table-scroll").evaluate((element) => ({
      height: element.clientHeight,
      content: element.scrollHeight,
    }));
    expect(box.content).toBeGreaterThan(box.height);
    expect(box.height).toBeLessThanOrEqual(400);
  });

  it("keeps the other CAs and the search within the first two screens with the fleet's table open", async () => {
    const viewport = page.viewportSize();
    if (!viewport) throw new Error("no viewport");
    const topOf = (selector: string) =>
      page.locator(selector).evaluate((element) => element.getBoundingClientRect().top + window.scrollY);
    for (const selector of ['#hierarchy .node[data-subject="lab"]', '#hierarchy .node[data-subject="servers"]']) {
      expect(await topOf(selector)).toBeLessThan(2 * viewport.height);
    }
    expect(await topOf("#search-section")).toBeLessThan(2 * viewport.height);
    // One screen down (a PageDown), the search form is in full view.
    await page.evaluate(() => window.scrollTo(0, window.innerHeight));
    const form = await page.locator("#search-form").evaluate((element) => {
      const box = element.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom };
    });
    expect(form.top).toBeGreaterThanOrEqual(0);
    expect(form.bottom).toBeLessThanOrEqual(viewport.height);
    await screenshot(page, "fleet-02-open");

    // The search still works on the fleet: the first 10 of its devices that expire before day 15.
    const search = page.locator("#search-form");
    await search.getByLabel("Kind").selectOption("device");
    await search.getByLabel("Issuer (CA name)").fill("fleet");
    await search.getByLabel("Per page").selectOption("10");
    await search.getByLabel("Issuer (CA name)").press("Enter");
    await page.locator("#search-results h3", { hasText: "page 1" }).waitFor();
    expect(await page.locator("#search-results tbody tr").count()).toBe(10);
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it("charts the certificates expiring per week over the next 90 days per CA, with the numbers in a table", async () => {
    const chart = page.locator('#expiry-charts figure[data-ca="fleet"]');
    const svg = chart.locator("svg[role=img]");
    const titleId = (await svg.getAttribute("aria-labelledby"))?.split(" ")[0] ?? "";
    expect(await page.locator(`[id="${titleId}"]`).textContent()).toBe(
      "fleet: 3,000 certificates expire in the next 90 days",
    );
    expect(await svg.locator("rect.chart-bar").count()).toBe(SHORT_VALIDITIES.length);

    // The table a person (or a screen reader) reads: the weeks holding each batch's expiry date say 1,000.
    await chart.locator("summary").click();
    const rows = await chart.locator("tbody tr").evaluateAll((elements) =>
      elements.map((row) => ({
        week: row.querySelector("th")?.textContent ?? "",
        count: Number((row.querySelector("td")?.textContent ?? "").replace(/,/g, "")),
      })),
    );
    expect(rows).toHaveLength(13);
    const expected = rows.map(({ week }) => {
      const [first = "", last = ""] = week.split(" – ");
      let count = 0;
      for (const [day, devices] of expiringOn) if (day >= first && day <= last) count += devices;
      return count;
    });
    expect(rows.map((row) => row.count)).toEqual(expected);
    expect(expected.reduce((sum, count) => sum + count, 0)).toBe(3000);
    expect(expected.filter((count) => count > 0)).toHaveLength(3);

    // lab's one device (20 days) is a chart of its own; the root and servers have nothing expiring.
    expect(await page.locator('#expiry-charts figure[data-ca="lab"] figcaption').textContent()).toBe(
      "lab · 1 certificate expiring",
    );
    expect(await page.locator("#expiry-charts .expiry-quiet").textContent()).toBe(
      "Nothing expires in the next 90 days under: fleet-root, servers.",
    );
    await page.locator("#expiry-section").scrollIntoViewIfNeeded();
    await screenshot(page, "fleet-03-expiry-chart");
    expect(problems).toEqual([]);
  });
});
