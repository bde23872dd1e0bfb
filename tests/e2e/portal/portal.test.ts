/**
 * The self-service portal in a real browser (Debian's Chromium through
 * playwright-core), served by the local server at `/` as `npm start` serves
 * it: a person builds a hierarchy through the forms, downloads what a TLS
 * server needs and openssl accepts it, sees the API's errors next to the
 * field at fault, revokes a device, and searches and pages the inventory.
 * Screenshots go to tests/.artifacts/portal/.
 *
 * The steps share one page and run in order.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslVerify, splitPemChain } from "../../support/openssl.js";
import { type Browser, launchChromium } from "../../support/portal/browser.js";
import {
  assertPortalServed,
  clickableNonButtons,
  download,
  lowContrast,
  screenshot,
  unlabelledControls,
} from "../../support/portal/portal-page.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

let browser: Browser | undefined;

/**
 * A new tab in Chromium, started on first use. Opened from beforeEach, so a
 * missing browser fails every test with the install hint; none is skipped.
 */
async function newPage(): Promise<Page> {
  browser ??= await launchChromium();
  return browser.context.newPage();
}

afterAll(async () => {
  await browser?.close();
});

describe("self-service portal in Chromium", () => {
  let api: LocalApi | undefined;
  const files = temporaryDirectory("iot-certs-portal-downloads-");
  const consoleProblems: string[] = [];
  const screenshots: string[] = [];

  let page: Page;
  let opened = false;

  beforeAll(async () => {
    api = await startLocalApi();
    await assertPortalServed(api.baseUrl);
  });

  beforeEach(async () => {
    if (opened || !api) return;
    page = await newPage();
    opened = true;
    page.on("console", (message) => {
      // Chromium logs every 4xx answer as "Failed to load resource"; the form-error step causes one on purpose.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        consoleProblems.push(message.text());
      }
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) consoleProblems.push(message.text());
    });
    page.on("pageerror", (error) => consoleProblems.push(`page error: ${error.message}`));
    await page.goto(`${api.baseUrl}/`);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    // Closing the browser closes the page too; a tab that does not close in 10 s (a loaded machine) must not fail the suite.
    if (opened)
      await Promise.race([page.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await api?.stop();
    files.remove();
  });

  const result = () => page.locator("#result");
  const tab = (name: string) => page.getByRole("tab", { name, exact: true });

  async function waitForResult(subject: string): Promise<void> {
    await page.locator("#result-heading", { hasText: subject }).waitFor({ timeout: 20_000 });
  }

  it("is served with a strict CSP, labels every control and has readable contrast", async () => {
    if (!api) throw new Error("no API");
    const response = await fetch(`${api.baseUrl}/`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(await page.title()).toContain("IoT certificates");
    expect(await page.locator("#api-base-url").textContent()).toBe(api.baseUrl);
    expect(await page.locator("#hierarchy").textContent()).toContain("No CA yet");

    expect(await unlabelledControls(page)).toEqual([]);
    expect(await clickableNonButtons(page)).toEqual([]);
    expect(
      await lowContrast(page, "body, h1, h2, label, .hint, .tagline, button, [role=tab], .badge, .legend"),
    ).toEqual([]);

    // Keyboard: Tab moves through the form in reading order; arrow keys move between tabs.
    await page.locator("#create-root-name").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("create-root-common-name");
    await tab("Root CA").focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("create-intermediate-tab");
    await page.keyboard.press("ArrowLeft");
    screenshots.push(await screenshot(page, "01-empty"));
  });

  it("creates a root and two intermediates through the forms (Enter submits)", async () => {
    const root = page.locator("#create-root");
    await root.getByLabel("Name", { exact: true }).fill("dev-root");
    await root.getByLabel("Common name (CN)").fill("Acme Dev Root CA");
    await root.getByLabel("Organization (O)").fill("Acme");
    await root.getByLabel("Country (C)").fill("SE");
    await root.getByLabel("Key algorithm").selectOption("EC-P256");
    await root.getByLabel("State or province (ST)").press("Enter");
    await waitForResult("dev-root");
    expect(await result().textContent()).toContain("Root CA created");
    // A CA's key is never returned, so there is nothing secret to download.
    expect(
      await result()
        .getByRole("link", { name: /Private key|PKCS#12/ })
        .count(),
    ).toBe(0);

    await tab("Intermediate CA").click();
    const intermediate = page.locator("#create-intermediate");
    for (const name of ["servers", "devices"]) {
      await intermediate.getByLabel("Name", { exact: true }).fill(name);
      await intermediate.getByLabel("Issuing root CA").fill("dev-root");
      await intermediate.getByLabel("Organization (O)").fill("Acme");
      await intermediate.getByLabel("Key algorithm").selectOption("EC-P256");
      await intermediate.getByLabel("Name", { exact: true }).press("Enter");
      await waitForResult(name);
    }
    const rootItem = page.locator("#hierarchy .tree > li", { has: page.locator('.node[data-subject="dev-root"]') });
    await rootItem.locator('.node[data-subject="devices"]').waitFor();
    expect(await rootItem.locator(".node-intermediate").count()).toBe(2);
    expect(await rootItem.locator(".node-root .badge").textContent()).toContain("Valid");
  });

  it("shows the API's problem detail next to the field at fault", async () => {
    if (!api) throw new Error("no API");
    const expected = await api.post("/certificates/server", { fqdn: "../etc", issuer: "servers" });
    expect(expected.status).toBe(400);
    expect(expected.body.field).toBe("fqdn");

    await tab("Server").click();
    const server = page.locator("#create-server");
    const fqdn = server.getByLabel("Host name (fqdn)");
    await fqdn.fill("../etc");
    await server.getByLabel("Issuing intermediate CA").fill("servers");
    await fqdn.press("Enter");
    const error = page.locator("#create-server-fqdn-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toContain(expected.body.detail);
    expect(await fqdn.getAttribute("aria-invalid")).toBe("true");
    expect(await fqdn.getAttribute("aria-describedby")).toContain("create-server-fqdn-error");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("create-server-fqdn");
    await page.locator("#status", { hasText: expected.body.detail }).waitFor();
    screenshots.push(await screenshot(page, "02-form-error"));
  });

  it("offers key_storage for CAs: the local store refuses kms next to the field, and the tree says where each CA key is", async () => {
    await tab("Root CA").click();
    const root = page.locator("#create-root");
    await root.getByLabel("Name", { exact: true }).fill("kms-root");
    await root.getByLabel("Key storage").selectOption("kms");
    await root.getByLabel("Name", { exact: true }).press("Enter");
    const error = page.locator("#create-root-key-storage-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toContain("CERTIFICATE_BUCKET_NAME");
    expect(await root.getByLabel("Key storage").getAttribute("aria-invalid")).toBe("true");
    expect((await api?.get("/certificates/root/kms-root"))?.status).toBe(404);
    await root.getByLabel("Key storage").selectOption("");
    await root.getByLabel("Name", { exact: true }).fill("");

    const storage = page.locator('#hierarchy .node[data-subject="dev-root"] [data-key-storage="s3"]');
    await storage.waitFor();
    expect(await storage.textContent()).toBe(" · key in S3");
    // The next test starts where the one before this left off.
    await tab("Server").click();
  });

  it("issues a server certificate for localhost; its downloads verify with openssl -x509_strict", async () => {
    const server = page.locator("#create-server");
    await server.getByLabel("Host name (fqdn)").fill("localhost");
    await server.getByLabel("Extra names (SAN)").fill("127.0.0.1");
    await server.getByLabel("Key algorithm").selectOption("EC-P256");
    await server.getByLabel("Host name (fqdn)").press("Enter");
    await waitForResult("localhost");
    expect(await page.locator("#create-server-fqdn-error").isHidden()).toBe(true);
    expect(await result().locator(".key-warning").textContent()).toContain("only time it is shown");
    screenshots.push(await screenshot(page, "03-server-result"));

    const certificate = await download(
      page,
      result().getByRole("link", { name: "Certificate localhost.crt" }),
      files.path,
    );
    const chain = await download(page, result().getByRole("link", { name: "Chain localhost-chain.pem" }), files.path);
    const key = await download(page, result().getByRole("link", { name: "Private key localhost.key" }), files.path);
    expect([certificate.fileName, chain.fileName, key.fileName]).toEqual([
      "localhost.crt",
      "localhost-chain.pem",
      "localhost.key",
    ]);
    const rootNode = page.locator('#hierarchy .node[data-subject="dev-root"]');
    const root = await download(page, rootNode.getByRole("button", { name: "Certificate of dev-root" }), files.path);
    expect(root.fileName).toBe("dev-root-root-ca.crt");

    expect(splitPemChain(chain.text)).toHaveLength(2);
    const verified = opensslVerify({
      trusted: root.text,
      untrusted: chain.text,
      certificate: certificate.text,
      purpose: "sslserver",
    });
    expect(verified.output).toContain("OK");
    expect(verified.ok).toBe(true);
    // The key belongs to the certificate.
    const publicKeyOf = (args: string[], input: string) =>
      spawnSync("openssl", args, { input, encoding: "utf8" }).stdout.trim();
    expect(publicKeyOf(["pkey", "-pubout"], key.text)).toBe(
      publicKeyOf(["x509", "-pubkey", "-noout"], certificate.text),
    );

    // Once dismissed, the key is gone from the page for good.
    await result().getByRole("button", { name: "Done: forget the key" }).click();
    expect(await result().isHidden()).toBe(true);
    expect(await page.content()).not.toContain("PRIVATE KEY");
  });

  it("issues devices: a PKCS#12 bundle, a pasted CSR, and one that expires within 30 days", async () => {
    await tab("Device").click();
    const device = page.locator("#create-device");
    const deviceId = device.getByLabel("Device id");
    await device.getByLabel("Issuing intermediate CA").fill("devices");
    await deviceId.fill("sensor-0001");
    await device.getByLabel("Key algorithm").selectOption("EC-P256");
    await device.getByLabel("Download format").selectOption("pkcs12");
    await device.getByLabel("PKCS#12 password").fill("changeit");
    await deviceId.press("Enter");
    await waitForResult("sensor-0001");
    const bundle = await download(
      page,
      result().getByRole("link", { name: "PKCS#12 bundle sensor-0001.p12" }),
      files.path,
    );
    expect(bundle.fileName).toBe("sensor-0001.p12");
    const opened = spawnSync("openssl", ["pkcs12", "-in", bundle.path, "-nokeys", "-passin", "pass:changeit"], {
      encoding: "utf8",
    });
    expect(opened.status, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(/subject=.*CN ?= ?sensor-0001/);

    // A CSR pasted into the form: no key is generated or offered.
    const keyFile = join(files.path, "sensor-csr.key");
    const csrFile = join(files.path, "sensor-csr.csr");
    const request = spawnSync(
      "openssl",
      ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
        "-keyout",
        keyFile,
        "-subj",
        "/CN=sensor-csr",
        "-out",
        csrFile,
      ]),
      { encoding: "utf8" },
    );
    expect(request.status, request.stderr).toBe(0);
    await device.getByLabel("Download format").selectOption("");
    await device.getByLabel("Sign my CSR (paste it)").check();
    await device.getByLabel("Certificate signing request (PEM)").fill(readFileSync(csrFile, "utf8"));
    await deviceId.fill("sensor-csr");
    await deviceId.press("Enter");
    await waitForResult("sensor-csr");
    expect(await result().textContent()).toContain("issued for the CSR");
    expect(
      await result()
        .getByRole("link", { name: /Private key|PKCS#12/ })
        .count(),
    ).toBe(0);
    const fromCsr = await download(
      page,
      result().getByRole("link", { name: "Certificate sensor-csr.crt" }),
      files.path,
    );
    writeFileSync(join(files.path, "from-csr.crt"), fromCsr.text);
    const publicKeyOf = (args: string[], input: string) =>
      spawnSync("openssl", args, { input, encoding: "utf8" }).stdout.trim();
    expect(publicKeyOf(["x509", "-pubkey", "-noout"], fromCsr.text)).toBe(
      publicKeyOf(["pkey", "-pubout"], readFileSync(keyFile, "utf8")),
    );

    // Expiring within 30 days: highlighted, and said in words.
    await device.getByLabel("Generate a key for me").check();
    await deviceId.fill("sensor-short");
    await device.getByLabel("Validity (days)").fill("10");
    await deviceId.press("Enter");
    await waitForResult("sensor-short");
    const shortRow = page.locator('#hierarchy tr[data-subject="sensor-short"]');
    await shortRow.waitFor();
    expect(await shortRow.getAttribute("class")).toContain("row-expiring");
    expect(await shortRow.locator(".badge").textContent()).toContain("Expires in 10 days");
    await result().getByRole("button", { name: "Done: forget the key" }).click();
  });

  it("revokes a device after a confirmation and shows its new status", async () => {
    if (!api) throw new Error("no API");
    const row = page.locator('#hierarchy tr[data-subject="sensor-0001"]');
    expect(await row.locator(".badge").textContent()).toContain("Valid");
    await row.getByRole("button", { name: "Revoke sensor-0001…" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke a certificate" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("sensor-0001");
    await dialog.getByLabel("Reason").selectOption("keyCompromise");
    screenshots.push(await screenshot(page, "04-revoke-dialog"));
    await dialog.getByRole("button", { name: "Revoke certificate" }).click();
    await dialog.waitFor({ state: "hidden" });
    const revokedRow = page.locator('#hierarchy tr[data-subject="sensor-0001"].row-revoked');
    await revokedRow.waitFor();
    expect(await revokedRow.locator(".badge").textContent()).toContain("Revoked");
    expect(await revokedRow.getByRole("button", { name: /^Revoke/ }).count()).toBe(0);
    await page.locator("#status", { hasText: "Revoked sensor-0001" }).waitFor();
    const serial = await revokedRow.getAttribute("data-serial");
    const stored = await api.get(`/certificates/device/${serial}`);
    expect(stored.body).toMatchObject({ status: "revoked", revocation_reason: "keyCompromise" });
    screenshots.push(await screenshot(page, "05-hierarchy", { fullPage: true }));
  });

  it("searches the inventory by issuer, status and expiry and pages with next_token", async () => {
    if (!api) throw new Error("no API");
    const batch = await api.post("/certificates/device/batch", {
      issuer: "devices",
      count: 12,
      key_algorithm: "EC-P256",
    });
    expect(batch.status).toBe(201);
    const search = page.locator("#search-form");
    await search.getByLabel("Kind").selectOption("device");
    await search.getByLabel("Issuer (CA name)").fill("devices");
    await search.getByLabel("Status").selectOption("valid");
    await search.getByLabel("Per page").selectOption("10");
    await search.getByLabel("Issuer (CA name)").press("Enter");
    const results = page.locator("#search-results");
    await results.locator("h3", { hasText: "page 1" }).waitFor();
    expect(await results.locator("tbody tr").count()).toBe(10);
    await page.locator("#search-section").scrollIntoViewIfNeeded();
    screenshots.push(await screenshot(page, "06-search"));
    await results.getByRole("button", { name: "Next page ›" }).click();
    await results.locator("h3", { hasText: "page 2" }).waitFor();
    // 12 from the batch + sensor-csr + sensor-short are valid; sensor-0001 is revoked.
    expect(await results.locator("tbody tr").count()).toBe(4);
    expect(await results.getByRole("button", { name: "Next page ›" }).isDisabled()).toBe(true);
    await results.getByRole("button", { name: "‹ Previous page" }).click();
    await results.locator("h3", { hasText: "page 1" }).waitFor();

    await search.getByLabel("Status").selectOption("revoked");
    await search.getByLabel("Issuer (CA name)").press("Enter");
    await results.locator("tbody tr", { hasText: "sensor-0001" }).waitFor();
    expect(await results.locator("tbody tr").count()).toBe(1);
    expect(await results.locator("tbody tr .badge").textContent()).toContain("Revoked");

    const in31Days = new Date(Date.now() + 31 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await search.getByLabel("Status").selectOption("");
    await search.getByLabel("Expires before").fill(in31Days);
    await search.getByLabel("Issuer (CA name)").press("Enter");
    await results.locator("tbody tr", { hasText: "sensor-short" }).waitFor();
    expect(await results.locator("tbody tr").count()).toBe(1);
    expect(await results.locator("tbody tr").getAttribute("class")).toContain("row-expiring");

    expect(consoleProblems).toEqual([]);
    expect(screenshots).toHaveLength(6);
  });
});

describe("portal on a local server started with LOCAL_API_TOKEN", () => {
  const token = "portal-test-token-0123456789abcdef";
  let api: LocalApi | undefined;
  let page: Page;
  let opened = false;

  beforeAll(async () => {
    api = await startLocalApi({ LOCAL_API_TOKEN: token });
  });

  beforeEach(async () => {
    if (opened) return;
    page = await newPage();
    opened = true;
  });

  afterAll(async () => {
    // Closing the browser closes the page too; a tab that does not close in 10 s (a loaded machine) must not fail the suite.
    if (opened)
      await Promise.race([page.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await api?.stop();
  });

  it("loads without the token (a page load cannot carry one), asks for it, then works", async () => {
    if (!api) throw new Error("no API");
    // The static files need no token; the API still does.
    expect((await fetch(`${api.baseUrl}/certificates/root`)).status).toBe(401);
    await page.goto(`${api.baseUrl}/`);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    await page.locator("#hierarchy", { hasText: "API connection" }).waitFor();
    expect(await page.locator("#hierarchy").textContent()).toContain("LOCAL_API_TOKEN");

    await page.getByText("API connection", { exact: true }).click();
    await page.getByLabel("Bearer token").fill(token);
    await page.getByLabel("Bearer token").press("Enter");
    await page.locator("#hierarchy", { hasText: "No CA yet" }).waitFor();

    const root = page.locator("#create-root");
    await root.getByLabel("Name", { exact: true }).fill("token-root");
    await root.getByLabel("Key algorithm").selectOption("EC-P256");
    await root.getByLabel("Name", { exact: true }).press("Enter");
    await page.locator("#result-heading", { hasText: "token-root" }).waitFor();
    await page.locator('#hierarchy .node[data-subject="token-root"]').waitFor();
    // The token stays in the page's memory: nothing in storage.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });
});
