/**
 * Helpers for driving the portal in a real browser: downloads through the
 * page's own links and buttons, screenshots into tests/.artifacts/portal/,
 * and in-page checks of labels and colour contrast.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";

export const SCREENSHOT_DIRECTORY = join("tests", ".artifacts", "portal");

/** Fails with the edit to make when the local server does not serve the portal at `/`. */
export async function assertPortalServed(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}/`);
  const type = response.headers.get("content-type") ?? "";
  const body = await response.text();
  if (response.status !== 200 || !type.startsWith("text/html") || !body.includes("app.js")) {
    throw new Error(
      `the local server does not serve the portal at / (got ${response.status} ${type}): ` +
        'scripts/build.ts must call buildPortal("dist/portal") and src/local/server.ts must call serveStaticFile ' +
        "with that directory (docs/portal.md)",
    );
  }
}

/** Clicks what starts a download and returns the file's suggested name and content. */
export async function download(
  page: Page,
  trigger: Locator,
  directory: string,
): Promise<{ fileName: string; path: string; text: string; bytes: Buffer }> {
  const [event] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), trigger.click()]);
  const fileName = event.suggestedFilename();
  const path = join(directory, fileName);
  await event.saveAs(path);
  const bytes = readFileSync(path);
  return { fileName, path, text: bytes.toString("utf8"), bytes };
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  const path = join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/** Form controls (other than hidden inputs) without a <label>: should be none. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLInputElement>("input, select, textarea"))
      .filter((control) => control.type !== "hidden" && (control.labels?.length ?? 0) === 0)
      .map((control) => control.id || control.name || control.outerHTML.slice(0, 80)),
  );
}

/** Elements that react to clicks but are not buttons, links or form controls: should be none. */
export function clickableNonButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("[onclick], div[tabindex='0'], span[tabindex='0']")).map(
      (element) => element.outerHTML.slice(0, 80),
    ),
  );
}

/**
 * Contrast ratio (WCAG 2) of the text of every visible element matching
 * the selector against its nearest opaque background; returns the ones
 * below the minimum.
 */
export function lowContrast(page: Page, selector: string, minimum = 4.5): Promise<string[]> {
  return page.evaluate(
    ({ selector, minimum }) => {
      const parse = (value: string): [number, number, number, number] => {
        const parts = value.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0];
        return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
      };
      const luminance = ([r, g, b]: number[]) => {
        const channel = (value: number) => {
          const c = value / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r ?? 0) + 0.7152 * channel(g ?? 0) + 0.0722 * channel(b ?? 0);
      };
      const background = (element: Element | null): number[] => {
        for (let current = element; current; current = current.parentElement) {
          const color = parse(getComputedStyle(current).backgroundColor);
          if (color[3] > 0.9) return color;
        }
        return [255, 255, 255, 1];
      };
      const failures: string[] = [];
      for (const element of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
        if (element.offsetParent === null || element.closest(".visually-hidden")) continue;
        const foreground = luminance(parse(getComputedStyle(element).color));
        const back = luminance(background(element));
        const ratio = (Math.max(foreground, back) + 0.05) / (Math.min(foreground, back) + 0.05);
        if (ratio < minimum) failures.push(`${element.className || element.tagName}: ${ratio.toFixed(2)}`);
      }
      return failures;
    },
    { selector, minimum },
  );
}
