/**
 * The Postman collection of the API: the OpenAPI document converted the way
 * Postman's importer converts it (openapi-to-postmanv2 with the import
 * settings below), then made to run top to bottom in the Collection Runner
 * or newman:
 *
 * - every named request example of an operation becomes a request of its own
 *   (the converter sends only the first), right after the first;
 * - the document's `links` become captured variables: the issuance request
 *   stores `serial_number` in `{{device_serial_number}}` (or
 *   `{{server_serial_number}}`), which the requests by serial number use;
 * - every POST sends a fresh `Idempotency-Key` (`{{$guid}}`);
 * - every request gets tests from its documented responses: the status, the
 *   Content-Type, and the fields of the documented example;
 * - the collection authenticates with `{{local_api_token}}` (the local
 *   server's LOCAL_API_TOKEN; nothing is sent while it is empty) or, with
 *   `auth: "aws"`, with AWS Signature for API Gateway (`execute-api`).
 *
 * Nothing here knows an operation by name: it all comes from the document.
 */
import { createHash } from "node:crypto";
import converter from "openapi-to-postmanv2";

/**
 * Postman's import settings for this API (Import → View import settings):
 * Parameter generation "Example" (the default, "Schema", sends
 * placeholders such as `<integer>`), Folder organization "Tags" (folders in
 * the order of a walk through the API; "Paths" would revoke an intermediate
 * before it issues anything), optional parameters present but unticked.
 */
export const POSTMAN_IMPORT_OPTIONS = {
  parametersResolution: "Example",
  folderStrategy: "Tags",
  enableOptionalParameters: false,
  requestNameSource: "Fallback",
} as const;

/** Where `npm run postman` writes the collection. */
export const COLLECTION_PATH = "postman/iot-certificates.postman_collection.json";

export interface RunnableCollectionOptions {
  /** `bearer` (default): `Authorization: Bearer {{local_api_token}}` when the variable is set. `aws`: SigV4 for API Gateway. */
  auth?: "bearer" | "aws";
}

// Loosely typed on purpose: these are Postman Collection v2.1 JSON objects, read and written as JSON.
type Json = Record<string, any>;

/** Converts an OpenAPI document as Postman's importer does, with POSTMAN_IMPORT_OPTIONS. */
export function convertOpenApi(document: Json): Promise<Json> {
  return new Promise((resolve, reject) => {
    converter.convertV2({ type: "json", data: document }, { ...POSTMAN_IMPORT_OPTIONS }, (error, result) => {
      if (error) return reject(error);
      const collection = result?.output?.[0]?.data;
      if (!result?.result || !collection) {
        return reject(new Error(`openapi-to-postmanv2 refused the document: ${result?.reason ?? "no output"}`));
      }
      resolve(collection as Json);
    });
  });
}

/** The document converted and made runnable: what `npm run postman` writes. */
export async function postmanCollection(document: Json, options: RunnableCollectionOptions = {}): Promise<Json> {
  return runnableCollection(document, await convertOpenApi(document), options);
}

interface Capture {
  variable: string;
  /** JSON pointer into the response body (from the link's `$response.body#/…`). */
  pointer: string[];
  /** The example value the variable starts with. */
  initial: string;
}

/** Applies the steps of this module's description to a collection converted from `document`. */
export function runnableCollection(document: Json, converted: Json, options: RunnableCollectionOptions = {}): Json {
  const collection = structuredClone(converted);
  const operations = operationsById(document);
  const captures = new Map<string, Capture[]>(); // operationId of the source → what it captures
  const variablesOf = new Map<string, Record<string, string>>(); // operationId of a target → path variable → variable
  for (const [sourceId, source] of operations) {
    for (const response of Object.values<Json>(source.operation.responses ?? {})) {
      for (const link of Object.values<Json>(response.links ?? {})) {
        const target = operations.get(link.operationId);
        if (!target) throw new Error(`link from ${sourceId} to unknown operation ${link.operationId}`);
        for (const [parameter, expression] of Object.entries<string>(link.parameters ?? {})) {
          const pointer = /^\$response\.body#\/(.*)$/.exec(expression)?.[1];
          if (pointer === undefined) throw new Error(`${sourceId}: unsupported link expression ${expression}`);
          const variable = variableName(target.path, parameter);
          const example = (target.operation.parameters ?? []).find((p: Json) => p.name === parameter)?.example;
          const list = captures.get(sourceId) ?? [];
          if (!list.some((capture) => capture.variable === variable)) {
            list.push({ variable, pointer: pointer.split("/").map(unescapePointer), initial: String(example ?? "") });
          }
          captures.set(sourceId, list);
          variablesOf.set(link.operationId, { ...variablesOf.get(link.operationId), [parameter]: variable });
        }
      }
    }
  }

  const rewrite = (items: Json[]): Json[] =>
    items.flatMap((item): Json[] => {
      if (Array.isArray(item.item)) return [{ ...item, item: rewrite(item.item) }];
      const found = findOperation(operations, item.request);
      if (!found)
        throw new Error(`no operation of the document for ${item.request?.method} ${item.request?.url?.path}`);
      const [id, { operation }] = found;
      // An operation that documents no success (revoking a root: always 400) stays in the document,
      // where a reader learns why, but not in a collection meant to run top to bottom.
      if (!Object.keys(operation.responses ?? {}).some((status) => status.startsWith("2"))) return [];
      const examples = Object.entries<Json>(operation.requestBody?.content?.["application/json"]?.examples ?? {});
      const variants = examples.length > 0 ? examples : [[undefined, undefined] as const];
      return variants.map(([exampleName, example], index) => {
        const request = structuredClone(item.request);
        if (example !== undefined) request.body = { ...request.body, raw: JSON.stringify(example.value, null, 2) };
        for (const header of request.header ?? []) {
          if (String(header.key).toLowerCase() === "idempotency-key") {
            header.value = "{{$guid}}";
            header.disabled = false;
          }
        }
        for (const [parameter, variable] of Object.entries(variablesOf.get(id) ?? {})) {
          for (const pathVariable of request.url?.variable ?? []) {
            if (pathVariable.key === parameter) pathVariable.value = `{{${variable}}}`;
          }
        }
        const script = [
          ...responseTests(operation, exampleName),
          // Only the first example's request captures: it is the one the requests by id are about.
          ...(index === 0 ? (captures.get(id) ?? []).map(captureLine) : []),
        ];
        const name = examples.length > 1 ? `${item.name} (${exampleName})` : item.name;
        const { id: _id, ...rest } = item;
        return {
          ...rest,
          name,
          request,
          event: [{ listen: "test", script: { type: "text/javascript", exec: script } }],
          response: (item.response ?? []).map(({ id: _responseId, ...response }: Json) => response),
        };
      });
    });

  collection.item = rewrite(collection.item ?? []);
  const captured = [...captures.values()].flat();
  const baseUrl = (collection.variable ?? []).filter((variable: Json) => variable.key === "baseUrl");
  collection.variable = [
    ...baseUrl.map(({ id: _id, ...variable }: Json) => ({
      ...variable,
      description: "The API's base URL: http://127.0.0.1:3000 for npm start, or the API Gateway stage URL",
    })),
    ...[...new Map(captured.map((capture) => [capture.variable, capture])).values()].map((capture) => ({
      key: capture.variable,
      value: capture.initial,
      type: "string",
      description: "Set by the issuing request's test script; the requests by serial number use it",
    })),
    ...authVariables(options.auth ?? "bearer"),
  ];
  collection.auth = collectionAuth(options.auth ?? "bearer");
  collection.info = {
    ...collection.info,
    // Stable, so `npm run postman` rewrites the same file for the same document and Postman updates, not duplicates, it.
    _postman_id: stableUuid(`${collection.info?.name}`),
    description:
      `${collection.info?.description?.content ?? collection.info?.description ?? ""}\n\n` +
      "Run it top to bottom (Collection Runner or newman) on an empty store: it creates the CAs it then uses, " +
      "and captures the serial numbers of what it issues. Generated from the OpenAPI document (GET /openapi.json) by `npm run postman`.",
  };
  return collection;
}

/** The requests of a collection, folders flattened, in run order. */
export function collectionRequests(collection: Json): Json[] {
  const walk = (items: Json[]): Json[] =>
    items.flatMap((item) => (Array.isArray(item.item) ? walk(item.item) : [item]));
  return walk(collection.item ?? []);
}

function operationsById(document: Json): Map<string, { method: string; path: string; operation: Json }> {
  const operations = new Map<string, { method: string; path: string; operation: Json }>();
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      operations.set(operation.operationId, { method, path, operation });
    }
  }
  return operations;
}

function findOperation(
  operations: Map<string, { method: string; path: string; operation: Json }>,
  request: Json,
): [string, { method: string; path: string; operation: Json }] | undefined {
  const segments: string[] = Array.isArray(request?.url?.path) ? request.url.path : [];
  const path = `/${segments.map((segment) => segment.replace(/^:(.+)$/, "{$1}")).join("/")}`;
  const method = String(request?.method ?? "").toLowerCase();
  return [...operations].find(([, operation]) => operation.path === path && operation.method === method);
}

/** `device_serial_number` for `{serial_number}` in `/certificates/device/{serial_number}`. */
function variableName(path: string, parameter: string): string {
  const segments = path.split("/");
  const owner = segments[segments.indexOf(`{${parameter}}`) - 1] ?? "";
  return `${owner.replace(/[^A-Za-z0-9]+/g, "_")}_${parameter}`;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

function captureLine(capture: Capture): string {
  const access = capture.pointer.map((segment) => `[${JSON.stringify(segment)}]`).join("");
  return `if (pm.response.code < 300) pm.collectionVariables.set(${JSON.stringify(capture.variable)}, pm.response.json()${access});`;
}

/** Tests from the operation's documented responses, for the response to the named request example. */
function responseTests(operation: Json, exampleName: string | undefined): string[] {
  const responses = Object.entries<Json>(operation.responses ?? {});
  const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
  // An operation that documents no success (revoking a root) is expected to answer what it documents.
  const expected = successes.length > 0 ? successes : responses.filter(([, response]) => hasExamples(response));
  const statuses = expected.map(([status]) => Number(status));
  const mediaTypes = [...new Set(expected.flatMap(([, response]) => Object.keys(response.content ?? {})))];
  const lines = [
    "// Generated from the OpenAPI document (scripts/postman-collection.ts).",
    `pm.test("status is ${statuses.join(" or ")}", function () {`,
    `  pm.expect(pm.response.code).to.be.oneOf(${JSON.stringify(statuses)});`,
    "});",
    `pm.test("Content-Type is ${mediaTypes.join(" or ")}", function () {`,
    `  pm.expect(String(pm.response.headers.get("Content-Type")).split(";")[0]).to.be.oneOf(${JSON.stringify(mediaTypes)});`,
    "});",
  ];
  const fieldsByStatus = Object.fromEntries(
    expected.flatMap(([status, response]) => {
      const example = exampleFor(response, exampleName);
      return example && typeof example === "object" && !Array.isArray(example) ? [[status, Object.keys(example)]] : [];
    }),
  );
  if (Object.keys(fieldsByStatus).length > 0) {
    lines.push(
      'pm.test("the body has the fields of the documented example", function () {',
      `  const documented = ${JSON.stringify(fieldsByStatus)}[String(pm.response.code)];`,
      "  pm.expect(Object.keys(pm.response.json())).to.have.members(documented);",
      "});",
    );
  }
  return lines;
}

function hasExamples(response: Json): boolean {
  return Object.values<Json>(response.content ?? {}).some(
    (media) => media.example !== undefined || media.examples !== undefined,
  );
}

/** The JSON example of a response for the named request example: the one of the same name, else the first. */
function exampleFor(response: Json, exampleName: string | undefined): unknown {
  for (const media of Object.values<Json>(response.content ?? {})) {
    if (media.examples) {
      const named = exampleName === undefined ? undefined : media.examples[exampleName];
      return (named ?? Object.values<Json>(media.examples)[0])?.value;
    }
    if (media.example !== undefined && typeof media.example === "object") return media.example;
  }
  return undefined;
}

function collectionAuth(auth: "bearer" | "aws"): Json {
  if (auth === "aws") {
    return {
      type: "awsv4",
      awsv4: [
        { key: "accessKey", value: "{{aws_access_key_id}}", type: "string" },
        { key: "secretKey", value: "{{aws_secret_access_key}}", type: "string" },
        { key: "sessionToken", value: "{{aws_session_token}}", type: "string" },
        { key: "region", value: "{{aws_region}}", type: "string" },
        { key: "service", value: "execute-api", type: "string" },
      ],
    };
  }
  return { type: "bearer", bearer: [{ key: "token", value: "{{local_api_token}}", type: "string" }] };
}

function authVariables(auth: "bearer" | "aws"): Json[] {
  if (auth === "aws") {
    return [
      ["aws_access_key_id", "Access key id of an IAM principal allowed execute-api:Invoke on the API"],
      ["aws_secret_access_key", "Its secret access key (keep it in your Postman vault or a local environment)"],
      ["aws_session_token", "Session token, for temporary credentials (SSO, assumed roles); empty otherwise"],
      ["aws_region", "Region of the API, e.g. eu-north-1"],
    ].map(([key, description]) => ({ key, value: "", type: "string", description }));
  }
  return [
    {
      key: "local_api_token",
      value: "",
      type: "string",
      description: "LOCAL_API_TOKEN of the local server, when it has one (sent as a bearer token); empty otherwise",
    },
  ];
}

/** A UUID-shaped id derived from `seed`. */
function stableUuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
