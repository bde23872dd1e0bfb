/**
 * Builds the portal into a directory of static files: `app.js` (+ source
 * map) bundled by esbuild from `app.ts`, `index.html`, `styles.css`,
 * `favicon.svg`, and `config.json` (`{"apiBaseUrl": ""}`: empty means "the
 * page's own origin"; set it to the API's URL when the portal is hosted
 * elsewhere).
 *
 * Called by scripts/build.ts with `dist/portal`, whose files the local server
 * serves at `/`. Paths are relative to the working directory (the repository
 * root when run by `npm run build`), like the build's other entry points.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";

export interface BuildPortalOptions {
  /** Where index.html, styles.css and app.ts are; default `src/portal`. */
  sourceDirectory?: string;
  /** Written to config.json; default "" (the page's origin). */
  apiBaseUrl?: string;
  /** Minify app.js (default true). */
  minify?: boolean;
}

/** The files the portal is made of (besides `app.js.map`). */
export const PORTAL_FILES = ["index.html", "styles.css", "favicon.svg", "app.js", "config.json"] as const;

export async function buildPortal(outdir: string, options: BuildPortalOptions = {}): Promise<void> {
  const source = options.sourceDirectory ?? join("src", "portal");
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(source, "app.ts")],
    outfile: join(outdir, "app.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: ["chrome115", "firefox115", "safari16"],
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
  await Promise.all(
    ["index.html", "styles.css", "favicon.svg"].map((file) => copyFile(join(source, file), join(outdir, file))),
  );
  await writeFile(
    join(outdir, "config.json"),
    `${JSON.stringify({ apiBaseUrl: options.apiBaseUrl ?? "" }, null, 2)}\n`,
  );
}
