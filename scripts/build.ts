/**
 * `npm run build`: bundles each function of template.yaml with esbuild into
 * `dist/<LogicalId>/<module>.mjs`, with the same options `sam build` reads
 * from the template's esbuild Metadata, and bundles the local server into
 * `dist/local/server.mjs` and the CLI into `dist/cli/iot-certs.mjs`, all with
 * FUNCTION_BUILD_OPTIONS (scripts/function-build-options.ts: everything
 * bundled, the AWS SDK included).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { analyzeMetafile, build } from "esbuild";
import { parseDocument } from "yaml";
import { bundlePath, readFunctions } from "../src/local/sam-template.js";
import { buildPortal } from "../src/portal/build-portal.js";
import { FUNCTION_BUILD_OPTIONS, MAIN_FIELDS, REQUIRE_BANNER } from "./function-build-options.js";

/** Fails the build when a function's template metadata disagrees with FUNCTION_BUILD_OPTIONS (External, MainFields). */
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
    if (properties.External !== undefined) {
      throw new Error(
        `${templatePath}: ${logicalId} Metadata.BuildProperties.External is ${JSON.stringify(properties.External)}; ` +
          "it must be absent: scripts/build.ts bundles every dependency, the AWS SDK included",
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
      ...FUNCTION_BUILD_OPTIONS,
      entryPoints: [fn.entryPoint],
      outfile: `dist/${bundlePath(fn)}`,
      metafile: true,
    });
    // dist/meta/<LogicalId>.json: esbuild's metafile (what went into the bundle), e.g. for esbuild.github.io/analyze.
    writeFileSync(`dist/meta/${fn.logicalId}.json`, JSON.stringify(result.metafile));
    if (analyze) console.log(`${fn.logicalId}:${await analyzeMetafile(result.metafile, { color: false })}`);
  }),
  build({
    ...FUNCTION_BUILD_OPTIONS,
    entryPoints: ["src/local/server.ts"],
    outfile: "dist/local/server.mjs",
  }),
  build({
    ...FUNCTION_BUILD_OPTIONS,
    entryPoints: ["src/cli/iot-certs.ts"],
    outfile: "dist/cli/iot-certs.mjs",
    banner: { js: `#!/usr/bin/env node\n${REQUIRE_BANNER}` },
  }),
  buildPortal("dist/portal"),
]);
// The CLI is package.json's bin: it must be executable itself. npm sets the mode only when it links
// the bin (a first `npx iot-certs` here); a cached npx entry for this folder runs a rebuilt file as is.
chmodSync("dist/cli/iot-certs.mjs", 0o755);
console.log(`built ${functions.length} functions, the local server, the CLI and the portal into dist/`);
