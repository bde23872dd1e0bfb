/**
 * Debian's Chromium driven by playwright-core (no browser download): one
 * headless persistent context with a fresh user data directory, a laptop
 * viewport (1366×768) and downloads enabled. CI installs the browser with
 * `apt-get install chromium`; without it the tests fail and say so.
 */
import { existsSync } from "node:fs";
import { type BrowserContext, chromium } from "playwright-core";
import { temporaryDirectory } from "../temporary-directory.js";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run "apt-get install -y chromium" (Debian), or set CHROMIUM_PATH`,
    );
  }
  const userData = temporaryDirectory("iot-certs-chromium-");
  try {
    const context = await chromium.launchPersistentContext(userData.path, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 768 },
      acceptDownloads: true,
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        // A loaded machine can make Chromium slow to close: wait at most 20 s, then leave it to the process exit.
        await Promise.race([
          context.close().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 20_000).unref()),
        ]);
        userData.remove();
      },
    };
  } catch (error) {
    userData.remove();
    throw error;
  }
}
