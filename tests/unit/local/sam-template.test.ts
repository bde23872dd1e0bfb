/**
 * The template is the single source of truth for routes: the routes the
 * local server serves are exactly the template's `Api` events (read here a
 * second, independent way), each one reaches its own function, every function
 * has its bundle, and every handler module is deployed by some function.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bundlePath, readFunctions } from "../../../src/local/sam-template.js";
import { createLocalServer, loadRoutes } from "../../../src/local/server.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const PROJECT = resolve(import.meta.dirname, "..", "..", "..");
const TEMPLATE = join(PROJECT, "template.yaml");
const DIST = join(PROJECT, "dist");

type Route = { method: string; path: string };

const byKey = (a: Route, b: Route) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);

/** The Api events of every function, read without the project's parser (unknown `!Ref` tags kept as plain values). */
function templateApiEvents(): (Route & { logicalId: string })[] {
  const template = parse(readFileSync(TEMPLATE, "utf8"), { logLevel: "silent" }) as {
    Resources: Record<string, { Type: string; Properties?: { Events?: Record<string, any> } }>;
  };
  const routes: (Route & { logicalId: string })[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Serverless::Function") continue;
    for (const event of Object.values(resource.Properties?.Events ?? {})) {
      if (event.Type !== "Api") continue;
      routes.push({ logicalId, method: String(event.Properties.Method).toUpperCase(), path: event.Properties.Path });
    }
  }
  return routes.sort(byKey);
}

describe("template.yaml routes", () => {
  it("has the API's routes", () => {
    const paths = templateApiEvents().map((route) => `${route.method} ${route.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "POST /certificates/root",
        "POST /certificates/intermediate",
        "POST /certificates/server",
        "POST /certificates/device",
        "GET /certificates/root/{name}",
        "GET /certificates/intermediate/{name}",
      ]),
    );
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("readFunctions reads exactly the template's Api events, function by function", () => {
    const functions = readFunctions(TEMPLATE);
    const read = functions
      .flatMap((fn) => fn.routes.map((route) => ({ logicalId: fn.logicalId, ...route })))
      .sort(byKey);
    expect(read).toEqual(templateApiEvents());
  });

  it("builds every function from a handler module that exists, and deploys every handler module", () => {
    const functions = readFunctions(TEMPLATE);
    for (const fn of functions) {
      expect(existsSync(join(PROJECT, fn.entryPoint)), fn.entryPoint).toBe(true);
      const module = fn.entryPoint.split("/").at(-1)?.replace(/\.ts$/, "");
      expect(fn.handler).toBe(`${module}.handler`);
    }
    const deployed = new Set(functions.map((fn) => fn.entryPoint));
    for (const file of readdirSync(join(PROJECT, "src/http/handlers")).filter((name) => name.endsWith(".ts"))) {
      expect(deployed.has(`src/http/handlers/${file}`), `${file} is not in template.yaml`).toBe(true);
    }
  });
});

describe("the local server", () => {
  let baseUrl: string;
  let close: () => Promise<void>;
  let served: Route[];
  let stubs: { path: string; remove: () => void };

  beforeAll(async () => {
    // Stub bundles (each answers with its function's id) in place of dist/: the route table and routing
    // are the server's own, without loading the real bundles into the test process.
    stubs = temporaryDirectory("iot-certs-stub-bundles-");
    for (const fn of readFunctions(TEMPLATE)) {
      const file = join(stubs.path, bundlePath(fn));
      mkdirSync(dirname(file), { recursive: true });
      const exportName = fn.handler.slice(fn.handler.lastIndexOf(".") + 1);
      writeFileSync(
        file,
        `export const ${exportName} = async (event) => ({ statusCode: 200, headers: { "Content-Type": "application/json" }, ` +
          `body: JSON.stringify({ fn: ${JSON.stringify(fn.logicalId)}, resource: event.resource, pathParameters: event.pathParameters }) });\n`,
      );
    }
    const routes = await loadRoutes({ templatePath: TEMPLATE, bundleDirectory: stubs.path });
    served = routes.map((route) => ({ method: route.method, path: route.resource })).sort(byKey);
    const server = createLocalServer(routes);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((done) => server.close(() => done()));
  });

  afterAll(async () => {
    await close?.();
    stubs?.remove();
  });

  it("serves exactly the template's Api events", () => {
    expect(served).toEqual(templateApiEvents().map(({ method, path }) => ({ method, path })));
  });

  it("has a built bundle in dist/ exporting the handler of every function", () => {
    for (const fn of readFunctions(TEMPLATE)) {
      const file = join(DIST, bundlePath(fn));
      expect(existsSync(file), bundlePath(fn)).toBe(true);
      expect(readFileSync(file, "utf8")).toMatch(
        /export\s*\{[^}]*\bas handler\b|export (const|async function|function) handler\b/,
      );
    }
  });

  it("routes every template route to its own function, with the resource and path parameters", async () => {
    for (const route of templateApiEvents()) {
      const path = route.path.replace(/\{([^}]+)\}/g, "sample-$1");
      const response = await fetch(`${baseUrl}${path}`, {
        method: route.method,
        body: route.method === "GET" ? undefined : "{}",
      });
      expect(response.status, `${route.method} ${route.path}`).toBe(200);
      const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
      expect(await response.json()).toEqual({
        fn: route.logicalId,
        resource: route.path,
        pathParameters: parameters.length
          ? Object.fromEntries(parameters.map((name) => [name, `sample-${name}`]))
          : null,
      });
    }
  });

  it("answers 404 for a path and 405 for a method the template does not declare", async () => {
    const missing = await fetch(`${baseUrl}/certificates/unknown`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    const wrongMethod = await fetch(`${baseUrl}/certificates/root`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(
      wrongMethod.headers
        .get("allow")
        ?.split(",")
        .map((method) => method.trim())
        .sort(),
    ).toEqual(served.filter((route) => route.path === "/certificates/root").map((route) => route.method));
  });
});

describe("what each function bundle carries (dist/meta, esbuild's metafiles of `npm run build`)", () => {
  type Metafile = {
    inputs: Record<string, { imports: { path: string; kind: string; original?: string }[] }>;
    outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown> }>;
  };
  const metafile = (logicalId: string) =>
    JSON.parse(readFileSync(join(DIST, "meta", `${logicalId}.json`), "utf8")) as Metafile;
  const bundledPackages = (logicalId: string) => {
    const output = Object.values(metafile(logicalId).outputs).find((candidate) => candidate.entryPoint);
    return new Set(
      Object.keys(output?.inputs ?? {}).flatMap((path) => {
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
        return name ? [name] : [];
      }),
    );
  };

  it("bundles the AWS SDK clients into the functions that use them, and nowhere else", () => {
    for (const fn of readFunctions(TEMPLATE)) {
      const packages = bundledPackages(fn.logicalId);
      const touchesAws = fn.logicalId !== "GetOpenApiFunction";
      expect(packages.has("@aws-sdk/client-s3"), fn.logicalId).toBe(touchesAws);
      expect(packages.has("@aws-sdk/client-acm"), fn.logicalId).toBe(
        fn.logicalId === "IssueServerCertificateFunction" || fn.logicalId === "RenewServerCertificateFunction",
      );
      // Certificate events: the functions that issue, renew, revoke, publish CRLs or warn of expiry.
      expect(packages.has("@aws-sdk/client-eventbridge"), fn.logicalId).toBe(
        ![
          "GetOpenApiFunction",
          "ListCertificatesFunction",
          "GetCertificateFunction",
          "RegisterDeviceWithIotFunction",
          "RegisterCaWithIotFunction",
        ].includes(fn.logicalId),
      );
      // AWS IoT Core: the functions that register CAs or device certificates (device renewal too), or revoke them there.
      expect(packages.has("@aws-sdk/client-iot"), fn.logicalId).toBe(
        [
          "IssueDeviceCertificateFunction",
          "IssueDeviceBatchFunction",
          "RegisterDeviceWithIotFunction",
          "RegisterCaWithIotFunction",
          "RevokeCertificateFunction",
          "RenewDeviceCertificateFunction",
        ].includes(fn.logicalId),
      );
      if (!touchesAws) expect([...packages].filter((name) => /^@(aws-sdk|smithy|aws-crypto)\//.test(name))).toEqual([]);
    }
  });

  it("loads the ACM client only through a dynamic import, at the first import into ACM", () => {
    const edges = Object.entries(metafile("IssueServerCertificateFunction").inputs).flatMap(([from, input]) =>
      input.imports.map((entry) => ({ from, to: entry.original ?? entry.path, kind: entry.kind })),
    );
    const acmAdapter = "./adapters/acm-certificate-importer.js";
    // Into the project: only the adapter imports the client, and the adapter is imported only dynamically.
    const intoAcm = edges.filter(
      (edge) => edge.from.startsWith("src/") && (edge.to === "@aws-sdk/client-acm" || edge.to === acmAdapter),
    );
    expect(intoAcm.filter((edge) => edge.from !== "src/adapters/acm-certificate-importer.ts")).toEqual([
      { from: "src/composition-root.ts", to: "@aws-sdk/client-acm", kind: "dynamic-import" },
      { from: "src/composition-root.ts", to: acmAdapter, kind: "dynamic-import" },
    ]);
  });
});
