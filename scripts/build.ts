/**
 * `npm run build`: bundles each function of template.yaml with esbuild into
 * `dist/<LogicalId>/<module>.mjs`, with the same options `sam build` reads
 * from the template's esbuild Metadata, and bundles the local server into
 * `dist/local/server.mjs` and the CLI into `dist/cli/iot-certs.mjs`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { analyzeMetafile, type BuildOptions, build } from "esbuild";
import { parseDocument } from "yaml";
import { bundlePath, readFunctions } from "../src/local/sam-template.js";
import { buildPortal } from "../src/portal/build-portal.js";

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

/**
 * The Lambda Node.js runtime ships AWS SDK v3 (with its @smithy and
 * @aws-crypto packages). The functions sign their own S3 and ACM requests
 * (src/adapters/aws: the SDK clients cost ~200 ms of each cold start); the
 * one SDK package they may still load, the default credential chain, only
 * where the environment holds no credentials (never on Lambda), is imported
 * from the runtime's copy instead of being bundled. The local server
 * resolves the same import from node_modules. template.yaml's `External` of every function must say the
 * same (checked below), so `sam build` and this build produce the same code.
 */
export const LAMBDA_RUNTIME_EXTERNALS = ["@aws-sdk/*", "@smithy/*", "@aws-crypto/*"];

/** Packages' ESM builds first (`module`): esbuild tree-shakes them, where it keeps CommonJS whole. */
export const MAIN_FIELDS = ["module", "main"];

/** Fails the build when a function's template metadata disagrees with the options above (External, MainFields). */
function assertTemplateBuildProperties(templatePath: string): void {
  // Parsed as plain YAML: CloudFormation tags (!Sub, !Ref, ...) only warn, and only Metadata is read.
  const template = parseDocument(readFileSync(templatePath, "utf8"), { logLevel: "silent" }).toJS() as {
    Resources?: Record<
      string,
      { Type?: string; Metadata?: { BuildProperties?: { External?: string[]; MainFields?: string } } }
    >;
  };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::Serverless::Function") continue;
    const properties = resource.Metadata?.BuildProperties ?? {};
    const external = properties.External ?? [];
    if (JSON.stringify(external) !== JSON.stringify(LAMBDA_RUNTIME_EXTERNALS)) {
      throw new Error(
        `${templatePath}: ${logicalId} Metadata.BuildProperties.External is ${JSON.stringify(external)}; ` +
          `it must be ${JSON.stringify(LAMBDA_RUNTIME_EXTERNALS)}, as scripts/build.ts bundles it`,
      );
    }
    if (properties.MainFields !== MAIN_FIELDS.join(",")) {
      throw new Error(
        `${templatePath}: ${logicalId} Metadata.BuildProperties.MainFields is ${JSON.stringify(properties.MainFields)}; ` +
          `it must be "${MAIN_FIELDS.join(",")}", as scripts/build.ts bundles it`,
      );
    }
  }
}

/** `npm run build -- --analyze` prints what each function bundle is made of. */
const analyze = process.argv.includes("--analyze");

const functions = readFunctions("template.yaml");
assertTemplateBuildProperties("template.yaml");
mkdirSync("dist/meta", { recursive: true });
await Promise.all([
  ...functions.map(async (fn) => {
    const result = await build({
      ...common,
      external: LAMBDA_RUNTIME_EXTERNALS,
      mainFields: MAIN_FIELDS,
      entryPoints: [fn.entryPoint],
      outfile: `dist/${bundlePath(fn)}`,
      metafile: true,
    });
    // dist/meta/<LogicalId>.json: esbuild's metafile (what went into the bundle), e.g. for esbuild.github.io/analyze.
    writeFileSync(`dist/meta/${fn.logicalId}.json`, JSON.stringify(result.metafile));
    if (analyze) console.log(`${fn.logicalId}:${await analyzeMetafile(result.metafile, { color: false })}`);
  }),
  build({
    ...common,
    external: LAMBDA_RUNTIME_EXTERNALS,
    mainFields: MAIN_FIELDS,
    entryPoints: ["src/local/server.ts"],
    outfile: "dist/local/server.mjs",
  }),
  build({
    ...common,
    entryPoints: ["src/cli/iot-certs.ts"],
    outfile: "dist/cli/iot-certs.mjs",
    banner: { js: `#!/usr/bin/env node\n${requireBanner}` },
  }),
  buildPortal("dist/portal"),
]);
console.log(`built ${functions.length} functions, the local server, the CLI and the portal into dist/`);
