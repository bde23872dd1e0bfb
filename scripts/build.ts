/**
 * `npm run build`: bundles each function of template.yaml with esbuild into
 * `dist/<LogicalId>/<module>.mjs`, with the same options `sam build` reads
 * from the template's esbuild Metadata, and bundles the local server into
 * `dist/local/server.mjs` and the CLI into `dist/cli/iot-certs.mjs`.
 */
import { type BuildOptions, build } from "esbuild";
import { bundlePath, readFunctions } from "../src/local/sam-template.js";

/** ESM bundles of CommonJS dependencies need `require`; Lambda's own recipe. */
const requireBanner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

const common: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  banner: { js: requireBanner },
  logLevel: "warning",
};

const functions = readFunctions("template.yaml");
await Promise.all([
  ...functions.map((fn) =>
    build({ ...common, entryPoints: [fn.entryPoint], outfile: `dist/${bundlePath(fn)}`, metafile: false }),
  ),
  build({ ...common, entryPoints: ["src/local/server.ts"], outfile: "dist/local/server.mjs" }),
  build({
    ...common,
    entryPoints: ["src/cli/iot-certs.ts"],
    outfile: "dist/cli/iot-certs.mjs",
    banner: { js: `#!/usr/bin/env node\n${requireBanner}` },
  }),
]);
console.log(`built ${functions.length} functions and the local server into dist/`);
