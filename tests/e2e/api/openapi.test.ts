/**
 * Issue 4, the OpenAPI description: GET /openapi.json is a valid OpenAPI 3.0
 * document (checked by openapi-spec-validator, which moto[server] installs,
 * and structurally here), every POST documents a closed request body, and the
 * three descriptions of the routes agree: the SAM template's Api events, the
 * routes the local server prints at start-up, and the OpenAPI paths.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithFiles } from "../../support/api/openssl-tools.js";
import { openApiRoutes, serverRoutes, templateRoutes } from "../../support/api/routes.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

let api: LocalApi;
let document: any;

beforeAll(async () => {
  api = await startLocalApi();
  const response = await api.get("/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  document = response.body;
});

afterAll(async () => {
  await api?.stop();
});

type Operation = { method: string; path: string; operation: any };

function operations(): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
}

/** Every object schema reachable from `schema` (properties, items, combinators). */
function objectSchemas(schema: any, at = "#"): { at: string; schema: any }[] {
  if (!schema || typeof schema !== "object") return [];
  const found = schema.type === "object" || schema.properties ? [{ at, schema }] : [];
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    found.push(...objectSchemas(child, `${at}/${name}`));
  if (schema.items) found.push(...objectSchemas(schema.items, `${at}[]`));
  for (const combinator of ["allOf", "anyOf", "oneOf"]) {
    for (const [index, child] of (schema[combinator] ?? []).entries()) {
      found.push(...objectSchemas(child, `${at}/${combinator}/${index}`));
    }
  }
  return found;
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.0.x document that openapi-spec-validator accepts", () => {
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(document.paths).length).toBeGreaterThan(10);
    expect(document.servers?.[0]?.url).toBe(api.baseUrl);

    if (spawnSync("openapi-spec-validator", ["--help"], { stdio: "ignore" }).error) {
      throw new Error(
        "openapi-spec-validator is not on PATH; it comes with moto[server]: pip install 'moto[server]' (or openapi-spec-validator)",
      );
    }
    const result = runWithFiles("openapi-spec-validator", (f) => [f["openapi.json"] as string], {
      "openapi.json": JSON.stringify(document),
    });
    expect(`${result.stdout}${result.stderr}`).toMatch(/OK/);
    expect(result.status).toBe(0);
  });

  it("every POST has a JSON requestBody schema that refuses unknown fields (additionalProperties: false)", () => {
    const posts = operations().filter(({ method }) => method === "post");
    expect(posts.length).toBeGreaterThanOrEqual(9);
    for (const { path, operation } of posts) {
      const schema = operation.requestBody?.content?.["application/json"]?.schema;
      expect(schema, `POST ${path} has no requestBody schema`).toBeDefined();
      expect(schema.type, `POST ${path}`).toBe("object");
      expect(schema.additionalProperties, `POST ${path}`).toBe(false);
      for (const nested of objectSchemas(schema)) {
        // A map (names the caller chooses, e.g. a provisioning template's resources) has no fixed fields to police.
        const isMap = !nested.schema.properties && typeof nested.schema.additionalProperties === "object";
        if (!isMap) expect(nested.schema.additionalProperties, `POST ${path} ${nested.at}`).toBe(false);
      }
      expect(operation.parameters.some((p: any) => p.in === "header" && p.name === "Idempotency-Key")).toBe(true);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["400", "422"]));
    }
    const batch = document.paths["/certificates/device/batch"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(batch.properties)).toEqual(
      expect.arrayContaining(["count", "devices", "issuer", "key_algorithm"]),
    );
    const server = document.paths["/certificates/server"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(server.properties)).toEqual(
      expect.arrayContaining(["fqdn", "csr", "format", "pkcs12_password", "subject_alt_names"]),
    );
  });

  it("declares every path parameter, the list queries, and only resolvable $refs", () => {
    for (const { method, path, operation } of operations()) {
      const declared = (operation.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect(declared.sort(), `${method} ${path}`).toEqual(inPath.sort());
      for (const parameter of operation.parameters ?? [])
        if (parameter.in === "path") expect(parameter.required).toBe(true);
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    for (const kind of ["root", "intermediate", "server", "device"]) {
      const query = document.paths[`/certificates/${kind}`].get.parameters
        .filter((p: any) => p.in === "query")
        .map((p: any) => p.name);
      expect(query.sort()).toEqual([
        "expires_before",
        "expires_within_days",
        "issuer",
        "limit",
        "next_token",
        "status",
      ]);
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((node: any, part) => node?.[part], document);
      expect(target, ref).toBeDefined();
    }
  });
});

describe("one set of routes", () => {
  it("the template's Api events, the local server's routes and the OpenAPI operations are the same set", () => {
    const fromTemplate = templateRoutes();
    const fromServer = serverRoutes(api.output());
    const fromOpenApi = openApiRoutes(document);
    expect(fromTemplate.length).toBeGreaterThanOrEqual(20);
    expect(new Set(fromTemplate).size).toBe(fromTemplate.length);
    expect(fromServer).toEqual(fromTemplate);
    expect(fromOpenApi).toEqual(fromTemplate);
    expect(fromTemplate).toEqual(
      expect.arrayContaining([
        "POST /certificates/device/batch",
        "GET /certificates/device",
        "GET /certificates/device/{serial_number}",
        "POST /certificates/intermediate/{name}/revoke",
        "GET /crl/intermediate/{name}",
        "GET /openapi.json",
      ]),
    );
  });

  it("every documented GET without parameters is served (no 404 'no route')", async () => {
    for (const route of openApiRoutes(document).filter((r) => r.startsWith("GET ") && !r.includes("{"))) {
      const response = await api.get(route.slice(4));
      expect(response.status, route).toBe(200);
    }
  });
});
