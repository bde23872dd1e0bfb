/**
 * The esbuild options of every function bundle, shared by `npm run build`
 * (scripts/build.ts) and the cold-start benchmark's floor bundles
 * (bench/sections/cold-start.ts), so both are built alike. template.yaml's
 * esbuild Metadata says the same for `sam build` (scripts/build.ts checks
 * `MainFields` and that no `External` is declared).
 *
 * Nothing is external: every function carries the AWS SDK it was tested
 * with (`@aws-sdk/*`, `@smithy/*`), not the copy the Lambda runtime happens
 * to ship, so that a deployed function runs the SDK version package-lock.json
 * pins. Only what a function imports is bundled: `GET /openapi.json` touches
 * no AWS service and carries no SDK code; only the server certificate
 * function carries the ACM client (behind a dynamic import, evaluated at its
 * first import into ACM).
 */
import type { BuildOptions } from "esbuild";

/** ESM bundles of CommonJS dependencies need `require`; Lambda's own recipe. */
export const REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Packages' ESM builds first (`module`): esbuild tree-shakes them, where it keeps CommonJS whole. */
export const MAIN_FIELDS = ["module", "main"];

export const FUNCTION_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  banner: { js: REQUIRE_BANNER },
  logLevel: "warning",
  mainFields: MAIN_FIELDS,
};
