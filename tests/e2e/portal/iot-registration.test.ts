/**
 * The portal's "Register with AWS IoT Core" in Chromium, on the local
 * server's stand-in for IoT (no AWS account): a CA's node offers the action,
 * a dialog asks for the mode and JITP, the registration IoT answered appears
 * in the result panel and under the CA (read back from GET after a reload),
 * and a registration is not offered twice. A conflict (the CA registered
 * behind the page's back) shows the API's detail in the dialog.
 *
 * The steps share one page and run in order.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import { type Browser, launchChromium } from "../../support/portal/browser.js";
import { assertPortalServed, lowContrast, screenshot, unlabelledControls } from "../../support/portal/portal-page.js";

/** The node of a CA in the hierarchy (its own `div.node`, not the nodes under it). */
function caNode(page: Page, kind: "root" | "intermediate", name: string) {
  return page.locator(`#hierarchy .node[data-kind="${kind}"][data-subject="${name}"]`);
}

describe("portal: Register with AWS IoT Core", () => {
  let api: LocalApi;
  let browser: Browser | undefined;
  let page: Page;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    api = await startLocalApi({ LOCAL_SCHEDULES: "off" });
    await assertPortalServed(api.baseUrl);
    const subject = { organization: "Acme IoT", key_algorithm: "EC-P256" };
    expect((await api.post("/certificates/root", subject)).status).toBe(201);
    for (const name of ["devices", "sensors"]) {
      expect((await api.post("/certificates/intermediate", { ...subject, name })).status).toBe(201);
    }
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("console", (message) => {
      // Chromium logs every 4xx answer as "Failed to load resource"; the conflict step causes one on purpose.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        consoleProblems.push(message.text());
      }
    });
    page.on("pageerror", (error) => consoleProblems.push(`page error: ${error.message}`));
    await page.goto(`${api.baseUrl}/`);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it("registers the devices intermediate with JITP from its node, and shows the registration", async () => {
    const node = caNode(page, "intermediate", "devices");
    const register = node.getByRole("button", { name: "Register devices with AWS IoT Core…" });
    await register.waitFor();
    expect(await node.locator(".iot-registration").textContent()).toContain("not registered");
    await register.click();

    const dialog = page.getByRole("dialog", { name: "Register with AWS IoT Core" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("intermediate CA devices");
    // Focus starts on the first choice; SNI_ONLY and no JITP unless asked.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("iot-register-mode");
    const mode = dialog.getByLabel("Mode");
    expect(await mode.inputValue()).toBe("SNI_ONLY");
    const jitp = dialog.getByLabel("Just-in-time provisioning (JITP)");
    expect(await jitp.isChecked()).toBe(false);
    expect(await unlabelledControls(page)).toEqual([]);

    // Escape cancels: nothing registered, focus back on the button.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await page.locator("#status", { hasText: "Not registered: devices." }).waitFor();
    expect(await register.evaluate((button) => button === document.activeElement)).toBe(true);
    expect((await api.get("/certificates/intermediate/devices")).body.iot_registration).toBeUndefined();

    await register.click();
    await dialog.waitFor();
    await jitp.check();
    await screenshot(page, "iot-register-dialog");
    await dialog.getByRole("button", { name: "Register CA" }).click();
    await dialog.waitFor({ state: "hidden" });

    const result = page.locator("#result");
    await result
      .locator("#result-heading", { hasText: "Registered with AWS IoT Core: intermediate CA devices" })
      .waitFor({ timeout: 20_000 });
    const stored = (await api.get("/certificates/intermediate/devices")).body.iot_registration;
    expect(stored).toMatchObject({
      ca_certificate_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      mode: "SNI_ONLY",
      status: "ACTIVE",
      iot_data_endpoint: expect.any(String),
      allow_auto_registration: true,
      provisioning_template: "default",
    });
    const resultText = (await result.textContent()) ?? "";
    for (const fact of [stored.ca_certificate_id, stored.ca_certificate_arn, stored.iot_data_endpoint, "SNI_ONLY"]) {
      expect(resultText).toContain(fact);
    }
    expect(resultText).toContain("on (default template)");
    // SNI_ONLY: no registration code, no verification certificate.
    expect(await result.getByText("Registration code").count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("result");
    await page.locator("#status", { hasText: `CA certificate ${stored.ca_certificate_id}` }).waitFor();

    // Under the CA, once the hierarchy is reloaded: the registration, and no second offer.
    const registered = node.locator('.iot-registration[data-iot="registered"]');
    await registered.waitFor();
    await expectRegistrationShown(node, stored);
    expect(await lowContrast(page, ".iot-registration, .iot-registration *")).toEqual([]);
    await screenshot(page, "iot-registered", { fullPage: true });

    // After a reload the page reads it from GET /certificates/intermediate/devices.
    await page.reload();
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    await caNode(page, "intermediate", "devices").locator('.iot-registration[data-iot="registered"]').waitFor();
    await expectRegistrationShown(caNode(page, "intermediate", "devices"), stored);
    // The other CAs are still offered the action.
    await caNode(page, "intermediate", "sensors")
      .getByRole("button", { name: "Register sensors with AWS IoT Core…" })
      .waitFor();
    await caNode(page, "root", "default")
      .getByRole("button", { name: "Register default with AWS IoT Core…" })
      .waitFor();
  });

  it("registers the root in DEFAULT mode and shows the registration code and the verification certificate", async () => {
    const node = caNode(page, "root", "default");
    await node.getByRole("button", { name: "Register default with AWS IoT Core…" }).click();
    const dialog = page.getByRole("dialog", { name: "Register with AWS IoT Core" });
    await dialog.waitFor();
    // The dialog was reset: the previous registration's JITP choice is not carried over.
    expect(await dialog.getByLabel("Just-in-time provisioning (JITP)").isChecked()).toBe(false);
    await dialog.getByLabel("Mode").selectOption("DEFAULT");
    await dialog.getByRole("button", { name: "Register CA" }).click();
    await dialog.waitFor({ state: "hidden" });

    const result = page.locator("#result");
    await result.locator("#result-heading", { hasText: "Registered with AWS IoT Core: root CA default" }).waitFor({
      timeout: 20_000,
    });
    const code = (await result.locator("[data-registration-code]").textContent()) ?? "";
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    await page.locator("#status", { hasText: `Registration code ${code}` }).waitFor();
    await result.getByText("Show the verification certificate").click();
    const verification = await result.getByLabel("Verification certificate of default (PEM)").inputValue();
    // The proof IoT checks: CN = the registration code, signed by this root.
    expect(opensslText(verification)).toMatch(new RegExp(`Subject: CN\\s*=\\s*${code}`));
    const root = (await api.get("/certificates/root/default")).body;
    const verified = opensslVerify({ trusted: root.certificate, certificate: verification });
    expect(verified.ok, verified.output).toBe(true);
    expect(root.iot_registration).toMatchObject({ mode: "DEFAULT", status: "ACTIVE" });
    expect(root.iot_registration.provisioning_template).toBeUndefined();

    const registered = node.locator('.iot-registration[data-iot="registered"]');
    await registered.waitFor();
    expect(await shownFacts(node, "default")).toMatchObject({
      "CA certificate id": root.iot_registration.ca_certificate_id,
      Mode: "DEFAULT",
      Status: "ACTIVE",
      JITP: "off",
    });
    await screenshot(page, "iot-registered-default-mode");
  });

  it("shows the API's 409 when the CA was registered behind the page's back, then the registration", async () => {
    const node = caNode(page, "intermediate", "sensors");
    const register = node.getByRole("button", { name: "Register sensors with AWS IoT Core…" });
    await register.waitFor();
    // Another client (the CLI, another tab) registers it first.
    const elsewhere = await api.post("/certificates/intermediate/sensors/iot-registration", {});
    expect(elsewhere.status).toBe(201);

    await register.click();
    const dialog = page.getByRole("dialog", { name: "Register with AWS IoT Core" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Register CA" }).click();
    const alert = dialog.getByRole("alert");
    await alert.waitFor();
    const detail = (await alert.textContent()) ?? "";
    expect(detail).toContain("already registered with AWS IoT Core");
    expect(detail).toContain(elsewhere.body.ca_certificate_id);
    await page.locator("#status", { hasText: "Not registered: the intermediate CA 'sensors' is already" }).waitFor();
    // The dialog stays open on the error, its button usable again.
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole("button", { name: "Register CA" }).isEnabled()).toBe(true);
    await screenshot(page, "iot-register-conflict");

    // Behind the dialog the page reloaded the hierarchy: it shows the registration made elsewhere.
    const registered = node.locator('.iot-registration[data-iot="registered"]');
    await registered.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await registered.getAttribute("data-ca-certificate-id")).toBe(elsewhere.body.ca_certificate_id);
    expect(await node.getByRole("button", { name: /Register .* with AWS IoT Core/ }).count()).toBe(0);
    // The button that opened the dialog was re-rendered: focus continues from the hierarchy's heading.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("hierarchy-heading");
    expect(consoleProblems).toEqual([]);
  });
});

/** The registration's facts under a CA's node, by their terms. */
async function shownFacts(node: ReturnType<typeof caNode>, name: string): Promise<Record<string, string>> {
  const group = node.getByRole("group", { name: `AWS IoT Core registration of ${name}` });
  return Object.fromEntries(
    await group
      .locator(".iot-facts > div")
      .evaluateAll((items) =>
        items.map((item) => [item.querySelector("dt")?.textContent ?? "", item.querySelector("dd")?.textContent ?? ""]),
      ),
  );
}

/** The devices CA's registration under its node, and no "Register" button there. */
async function expectRegistrationShown(
  node: ReturnType<typeof caNode>,
  stored: { ca_certificate_id: string; iot_data_endpoint: string },
): Promise<void> {
  const registered = node.locator('.iot-registration[data-iot="registered"]');
  expect(await registered.getAttribute("data-ca-certificate-id")).toBe(stored.ca_certificate_id);
  expect(await shownFacts(node, "devices")).toEqual({
    "CA certificate id": stored.ca_certificate_id,
    Mode: "SNI_ONLY",
    Status: "ACTIVE",
    "Data endpoint": stored.iot_data_endpoint,
    JITP: "on (default template)",
  });
  expect(await node.getByRole("button", { name: /Register .* with AWS IoT Core/ }).count()).toBe(0);
}
