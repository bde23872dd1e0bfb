/**
 * The portal's Renew action in Chromium: beside Revoke on a device's row, a
 * confirmation dialog that can also revoke the old certificate, then the new
 * certificate and its key in the result panel, and both rows updated.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { type Browser, launchChromium } from "../../support/portal/browser.js";
import { assertPortalServed, download, screenshot } from "../../support/portal/portal-page.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

describe("portal: Renew", () => {
  let api: LocalApi;
  let browser: Browser | undefined;
  const files = temporaryDirectory("iot-certs-portal-renew-");

  beforeAll(async () => {
    api = await startLocalApi({ LOCAL_SCHEDULES: "off" });
    await assertPortalServed(api.baseUrl);
    const subject = { organization: "Acme IoT", key_algorithm: "EC-P256" };
    await api.post("/certificates/root", subject);
    await api.post("/certificates/intermediate", { ...subject, name: "devices" });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    files.remove();
  });

  it("renews a device from its row, revoking the old certificate, and shows the new one with its key", async () => {
    const old = (
      await api.post("/certificates/device", { issuer: "devices", device_id: "lamp-1", key_algorithm: "EC-P256" })
    ).body;
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${api.baseUrl}/`);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });

    const row = page.locator(`#hierarchy tr[data-serial="${old.serial_number}"]`);
    await row.waitFor();
    await row.getByRole("button", { name: "Renew lamp-1…" }).click();
    const dialog = page.getByRole("dialog", { name: "Renew a certificate" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(old.serial_number);
    await dialog.getByLabel("Revoke the old certificate (reason: superseded)").check();
    await screenshot(page, "renew-dialog");
    await dialog.getByRole("button", { name: "Renew certificate" }).click();
    await dialog.waitFor({ state: "hidden" });

    const heading = page.locator("#result-heading", { hasText: "Renewed: device certificate lamp-1" });
    await heading.waitFor({ timeout: 20_000 });
    const stored = (await api.get(`/certificates/device/${old.serial_number}`)).body;
    expect(stored).toMatchObject({
      status: "revoked",
      revocation_reason: "superseded",
      renewed_by: expect.any(String),
    });
    const renewedSerial = stored.renewed_by as string;
    expect(await page.locator("#result").textContent()).toContain(renewedSerial);
    await page.locator("#status", { hasText: `new serial ${renewedSerial}` }).waitFor();

    const key = await download(page, page.locator("#result").getByRole("link", { name: /Private key/ }), files.path);
    expect(key.text).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const certificate = await download(
      page,
      page.locator("#result").getByRole("link", { name: /^Certificate (?!\+)/ }),
      files.path,
    );
    expect(certificate.text).toBe((await api.get(`/certificates/device/${renewedSerial}`)).body.certificate);

    // The old row is revoked (no Renew, no Revoke); the new row is valid and can be renewed again.
    const oldRow = page.locator(`#hierarchy tr[data-serial="${old.serial_number}"].row-revoked`);
    await oldRow.waitFor();
    expect(await oldRow.getByRole("button", { name: /^Renew|^Revoke/ }).count()).toBe(0);
    const newRow = page.locator(`#hierarchy tr[data-serial="${renewedSerial}"]`);
    await newRow.waitFor();
    expect(await newRow.getByRole("button", { name: "Renew lamp-1…" }).count()).toBe(1);
    await screenshot(page, "renewed", { fullPage: true });
  });

  it("renews a device that AWS IoT Core holds (the local stand-in) and says what IoT did with the new certificate", async () => {
    expect((await api.post("/certificates/intermediate/devices/iot-registration", {})).status).toBe(201);
    const old = await api.post("/certificates/device", {
      issuer: "devices",
      device_id: "lamp-2",
      key_algorithm: "EC-P256",
      iot: { register: true, thing_name: "lamp-2" },
    });
    expect(old.body.iot).toMatchObject({ registered: true, thing_name: "lamp-2" });
    browser ??= await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${api.baseUrl}/`);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });

    const row = page.locator(`#hierarchy tr[data-serial="${old.body.serial_number}"]`);
    await row.waitFor();
    await row.getByRole("button", { name: "Renew lamp-2…" }).click();
    const dialog = page.getByRole("dialog", { name: "Renew a certificate" });
    await dialog.getByRole("button", { name: "Renew certificate" }).click();
    await page
      .locator("#result-heading", { hasText: "Renewed: device certificate lamp-2" })
      .waitFor({ timeout: 20_000 });

    const renewedSerial = (await api.get(`/certificates/device/${old.body.serial_number}`)).body.renewed_by as string;
    const registration = (await api.get(`/certificates/device/${renewedSerial}`)).body.iot_registration;
    expect(registration).toMatchObject({ thing_name: "lamp-2" });
    expect(registration.iot_certificate_id).not.toBe(old.body.iot.iot_certificate_id);
    const summary = `registered as certificate ${registration.iot_certificate_id} (thing lamp-2)`;
    await page.locator("#status", { hasText: `AWS IoT Core: ${summary}.` }).waitFor();
    const fact = page
      .locator("#result .facts dt", { hasText: "AWS IoT Core" })
      .locator("xpath=following-sibling::dd[1]");
    expect(await fact.textContent()).toBe(summary);
    await screenshot(page, "renewed-iot");
  });
});
