/**
 * The OpenAPI 3 description of every route, generated from the same zod
 * schemas the handlers validate with, so the two cannot drift. Served at
 * `GET /openapi.json`; importable into Postman. A test checks that these
 * operations, the template's API events and the local server's routes are
 * the same set.
 *
 * Operations are listed, and tagged, in the order of a first walk through
 * the API (CAs, issuance, inventory, renewal, revocation, CRLs), and every request,
 * parameter and response carries an example from that walk (api-examples.ts),
 * so a client generated from the document runs top to bottom. The serial
 * numbers the walk needs are the ones issuance returns: OpenAPI `links` say
 * so, and the Postman collection turns them into captured variables.
 */
import * as z from "zod";
import { DETAIL_TYPES, EVENT_SOURCE } from "../core/events/event-types.js";
import {
  CRL_PEM_EXAMPLE,
  certificateDetailsExample,
  certificatePemExample,
  DEVICE_BATCH_ISSUED_EXAMPLES,
  DEVICE_BATCH_PARTIAL_EXAMPLES,
  DEVICE_BATCH_REQUEST_EXAMPLES,
  DEVICE_IOT_REGISTERED_EXAMPLES,
  DEVICE_IOT_REGISTRATION_REQUEST_EXAMPLES,
  DEVICE_IOT_SYNCED_EXAMPLES,
  DEVICE_ISSUED_EXAMPLES,
  DEVICE_REQUEST_EXAMPLES,
  EXAMPLE_SERIAL_NUMBERS,
  type Example,
  INTERMEDIATE_CREATED_EXAMPLES,
  INTERMEDIATE_REQUEST_EXAMPLES,
  IOT_REGISTERED_EXAMPLES,
  IOT_REGISTRATION_PROBLEM_EXAMPLES,
  IOT_REGISTRATION_REQUEST_EXAMPLES,
  listQueryExample,
  listResponseExample,
  PROBLEM_EXAMPLES,
  RENEW_REQUEST_EXAMPLES,
  RENEWED_EXAMPLES,
  REVOKE_REQUEST_EXAMPLES,
  REVOKED_EXAMPLES,
  ROOT_CREATED_EXAMPLES,
  ROOT_REQUEST_EXAMPLES,
  ROOT_REVOKE_REFUSED_EXAMPLES,
  SERVER_ISSUED_EXAMPLES,
  SERVER_REQUEST_EXAMPLES,
} from "./api-examples.js";
import { MAX_BODY_BYTES } from "./api-handler.js";
import { problem } from "./problem.js";
import {
  caName,
  createIntermediateBody,
  createRootBody,
  deviceIotRegistrationBody,
  issueDeviceBatchBody,
  issueDeviceBody,
  issueServerBody,
  listQuery,
  registerCaWithIotBody,
  renewBody,
  renewDeviceBody,
  revokeBody,
  serialNumber,
} from "./request-schemas.js";

/** The groups of operations, in the order a first walk through the API takes them (Postman's folders). */
export const API_TAGS = [
  {
    name: "Certificate authorities",
    description: "A root CA, then intermediates signed by it; each may be registered with AWS IoT Core",
  },
  { name: "Issuance", description: "Server and device certificates, one at a time or in batches" },
  { name: "Inventory", description: "Listings and single certificates with their status (never a key)" },
  {
    name: "Renewal",
    description: "A new certificate with the old one's names, issuer and key algorithm, linked to it",
  },
  { name: "Revocation", description: "Revoke a certificate; its issuer's CRL is re-signed at once" },
  { name: "CRLs", description: "The signed certificate revocation lists" },
  { name: "Description", description: "This OpenAPI document" },
] as const;

type Tag = (typeof API_TAGS)[number]["name"];
type Kind = "root" | "intermediate" | "server" | "device";
type Method = "get" | "post";

/** One response of an operation. */
export interface ResponseDescription {
  description: string;
  /** Media type of the examples; default `application/json`. */
  mediaType?: string;
  /** Named examples; a request example's response is the one with the same name, else the first. */
  examples?: Record<string, Example>;
  /** Other media types of the same response, with one example each (undefined for binary bodies). */
  alternatives?: Record<string, string | undefined>;
  /** Operations that take a value of this response as a parameter (OpenAPI links). */
  links?: Record<string, { method: Method; path: string; parameters: Record<string, string>; description: string }>;
}

export interface PathParameter {
  /** The schema the handler validates the parameter with. */
  schema: z.ZodType;
  description: string;
  /** A value that exists at this point of the walk. */
  example: string;
}

export interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: Tag;
  body?: z.ZodType;
  /** Named request bodies, each valid for `body`; the first is what a generated client sends. */
  requestExamples?: Record<string, Example>;
  pathParameters?: Record<string, PathParameter>;
  query?: z.ZodObject;
  /** One value for each query parameter, valid together. */
  queryExample?: Record<string, string>;
  /** Status → response. Error statuses not listed here get the method's usual problem+json responses. */
  responses: Record<string, ResponseDescription>;
}

const POST_ERRORS = {
  "400": "Invalid request: the field at fault is named in `field`",
  "404": "The issuer (or certificate) does not exist",
  "409":
    'A CA with this name exists (left unchanged), the certificate is revoked or already renewed, the issuer is not registered with AWS IoT Core (`iot` without `without_ca`; nothing issued), a renewal asks `"iot": {"register": true}` for a device AWS IoT Core does not hold (nothing issued), or the Idempotency-Key is in use',
  "413": `Body larger than ${MAX_BODY_BYTES} bytes`,
  "422": "Idempotency-Key reused with a different body",
  "503": "Storage or ACM failed; nothing was issued; retry (see Retry-After)",
};

const GET_ERRORS = { "400": "Invalid request", "404": "Not found" };

const GET_PROBLEM_EXAMPLES: Record<string, { title: string; detail: string; field?: string }> = {
  "400": {
    title: "Invalid request",
    detail: "path parameter serial_number must be a serial number of 32 hexadecimal digits",
    field: "serial_number",
  },
  "404": {
    title: "Not found",
    detail: `no device certificate with serial number '${EXAMPLE_SERIAL_NUMBERS.device}' exists`,
    field: "id",
  },
};

const KINDS = ["root", "intermediate", "server", "device"] as const;

function idParameter(kind: Kind, use: "get" | "revoke"): Record<string, PathParameter> {
  if (kind === "root" || kind === "intermediate") {
    // The walk revokes `servers` (after its server certificate), and keeps `devices` for the CRL of a revoked device.
    const example = kind === "root" ? "default" : use === "revoke" ? "servers" : "devices";
    return { name: { schema: caName, description: `The ${kind} CA's name`, example } };
  }
  return {
    serial_number: {
      schema: serialNumber,
      description: `The ${kind} certificate's serial number (32 hexadecimal digits), as issuance returned it`,
      example: EXAMPLE_SERIAL_NUMBERS[kind],
    },
  };
}

function idPath(kind: Kind): string {
  return `/certificates/${kind}/${kind === "root" || kind === "intermediate" ? "{name}" : "{serial_number}"}`;
}

/** The links from an issued leaf to the operations that take its serial number. */
function serialLinks(kind: "server" | "device"): ResponseDescription["links"] {
  const Kind = kind === "server" ? "Server" : "Device";
  const parameters = { serial_number: "$response.body#/serial_number" };
  return {
    [`Get${Kind}Certificate`]: {
      method: "get",
      path: idPath(kind),
      parameters,
      description: `The issued ${kind} certificate, by the serial number of this response`,
    },
    [`Renew${Kind}Certificate`]: {
      method: "post",
      path: `${idPath(kind)}/renew`,
      parameters,
      description: `Renew the issued ${kind} certificate`,
    },
    [`Revoke${Kind}Certificate`]: {
      method: "post",
      path: `${idPath(kind)}/revoke`,
      parameters,
      description: `Revoke the issued ${kind} certificate`,
    },
    ...(kind === "device"
      ? {
          RegisterDeviceWithIot: {
            method: "post" as const,
            path: `${idPath(kind)}/iot-registration`,
            parameters,
            description: "Register the issued device certificate with AWS IoT Core (or retry its registration)",
          },
        }
      : {}),
  };
}

/** Every operation of the API, in the order of a first walk through it. */
export const API_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/certificates/root",
    summary: "Create a self-signed root CA",
    tag: "Certificate authorities",
    body: createRootBody,
    requestExamples: ROOT_REQUEST_EXAMPLES,
    responses: { "201": { description: "Root CA created", examples: ROOT_CREATED_EXAMPLES } },
  },
  {
    method: "post",
    path: "/certificates/intermediate",
    summary: "Create an intermediate CA signed by a root",
    tag: "Certificate authorities",
    body: createIntermediateBody,
    requestExamples: INTERMEDIATE_REQUEST_EXAMPLES,
    responses: { "201": { description: "Intermediate CA created", examples: INTERMEDIATE_CREATED_EXAMPLES } },
  },
  ...(["root", "intermediate"] as const).map(
    (kind): Operation => ({
      method: "post",
      path: `${idPath(kind)}/iot-registration`,
      summary: `Register ${article(kind)} ${kind} CA with AWS IoT Core (SNI_ONLY, or DEFAULT with a verification certificate signed by the CA), optionally with just-in-time provisioning`,
      tag: "Certificate authorities",
      pathParameters: idParameter(kind, "get"),
      body: registerCaWithIotBody,
      requestExamples: IOT_REGISTRATION_REQUEST_EXAMPLES[kind],
      responses: {
        "201": {
          description:
            "Registered, and recorded with the CA (`GET` shows it as `iot_registration`); in DEFAULT mode with the registration code and the verification certificate IoT checked",
          examples: IOT_REGISTERED_EXAMPLES[kind],
        },
        "409": {
          description:
            "The CA is registered already (the existing `ca_certificate_id` is named), or AWS IoT Core refused with a conflict or a limit (its error code is in `detail`; other refusals are 400s)",
          mediaType: "application/problem+json",
          examples: IOT_REGISTRATION_PROBLEM_EXAMPLES,
        },
      },
    }),
  ),
  {
    method: "post",
    path: "/certificates/server",
    summary: "Issue a server certificate (generated key or CSR); imported into ACM when the key was generated",
    tag: "Issuance",
    body: issueServerBody,
    requestExamples: SERVER_REQUEST_EXAMPLES,
    responses: {
      "201": {
        description: "Server certificate issued",
        examples: SERVER_ISSUED_EXAMPLES,
        links: serialLinks("server"),
      },
    },
  },
  {
    method: "post",
    path: "/certificates/device",
    summary: "Issue a device (TLS client) certificate (generated key or CSR)",
    tag: "Issuance",
    body: issueDeviceBody,
    requestExamples: DEVICE_REQUEST_EXAMPLES,
    responses: {
      "201": {
        description: "Device certificate issued",
        examples: DEVICE_ISSUED_EXAMPLES,
        links: serialLinks("device"),
      },
    },
  },
  {
    method: "post",
    path: "/certificates/device/batch",
    summary: "Issue up to 1,000 device certificates in one call",
    tag: "Issuance",
    body: issueDeviceBatchBody,
    requestExamples: DEVICE_BATCH_REQUEST_EXAMPLES,
    responses: {
      "201": {
        description: "Every device issued (and registered with AWS IoT Core, when asked)",
        examples: DEVICE_BATCH_ISSUED_EXAMPLES,
      },
      "207": {
        description: "Some devices failed, or an AWS IoT Core step failed for some; see each result's status and iot",
        examples: DEVICE_BATCH_PARTIAL_EXAMPLES,
      },
    },
  },
  {
    method: "post",
    path: "/certificates/device/{serial_number}/iot-registration",
    summary:
      "Register an issued device certificate with AWS IoT Core, or finish or retry a registration (never twice); for a revoked one, set it REVOKED in IoT",
    tag: "Issuance",
    pathParameters: idParameter("device", "get"),
    body: deviceIotRegistrationBody,
    requestExamples: DEVICE_IOT_REGISTRATION_REQUEST_EXAMPLES,
    responses: {
      "201": { description: "Registered with AWS IoT Core now", examples: DEVICE_IOT_REGISTERED_EXAMPLES },
      "200": {
        description:
          "AWS IoT Core held it already: its thing and policy attached again, or (revoked) its status set REVOKED",
        examples: DEVICE_IOT_SYNCED_EXAMPLES,
      },
    },
  },
  ...KINDS.map(
    (kind): Operation => ({
      method: "get",
      path: `/certificates/${kind}`,
      summary: `List ${kind} certificates, one page at a time`,
      tag: "Inventory",
      query: listQuery,
      queryExample: listQueryExample(kind),
      responses: { "200": { description: "A page: {items, next_token}", examples: listResponseExample(kind) } },
    }),
  ),
  ...KINDS.map(
    (kind): Operation => ({
      method: "get",
      path: idPath(kind),
      summary: `One ${kind} certificate with its chain and status (never a key)`,
      tag: "Inventory",
      pathParameters: idParameter(kind, "get"),
      responses: {
        "200": {
          description:
            "The certificate (with `Accept: application/x-pem-file`: the PEM chain, certificate first); a CA or device certificate registered with AWS IoT Core has `iot_registration`",
          examples: certificateDetailsExample(kind),
          alternatives: { "application/x-pem-file": certificatePemExample(kind) },
        },
      },
    }),
  ),
  ...(["device", "server"] as const).map(
    (kind): Operation => ({
      method: "post",
      path: `${idPath(kind)}/renew`,
      summary:
        kind === "server"
          ? "Renew a server certificate: same subject, SANs, issuer, key algorithm and EKU; re-imported into ACM on the same certificate ARN"
          : 'Renew a device certificate: same subject, SANs, issuer, key algorithm and EKU; when AWS IoT Core holds the old one, the new one is registered the same way (same thing and policy, with or without its CA, ACTIVE; `"iot": {"register": false}` skips it) and the old one stays ACTIVE there until it expires, unless revoke_previous sets it REVOKED',
      tag: "Renewal",
      pathParameters: idParameter(kind, "get"),
      body: kind === "device" ? renewDeviceBody : renewBody,
      requestExamples: RENEW_REQUEST_EXAMPLES[kind],
      responses: {
        "201": {
          description:
            kind === "device"
              ? "Renewed: the new certificate; `iot` when it was registered with AWS IoT Core as the old one is (as on issuance: `iot.registered` false with `iot.failed_step` and `iot.retry` when an IoT step failed, the certificate renewed all the same); and `previous` (renewed_by; revoked with revoke_previous, then `previous.iot` says whether IoT has the old one REVOKED)"
              : "Renewed: the new certificate, and `previous` (renewed_by; revoked with revoke_previous)",
          examples: RENEWED_EXAMPLES[kind],
        },
      },
    }),
  ),
  ...(["device", "server", "intermediate"] as const).map(
    (kind): Operation => ({
      method: "post",
      path: `${idPath(kind)}/revoke`,
      summary: `Revoke ${article(kind)} ${kind} certificate and re-sign its issuer's CRL`,
      tag: "Revocation",
      pathParameters: idParameter(kind, "revoke"),
      body: revokeBody,
      requestExamples: REVOKE_REQUEST_EXAMPLES[kind],
      responses: { "200": { description: "Revoked", examples: REVOKED_EXAMPLES[kind] } },
    }),
  ),
  {
    method: "post",
    path: `${idPath("root")}/revoke`,
    summary: "Roots cannot be revoked (always 400)",
    tag: "Revocation",
    pathParameters: idParameter("root", "revoke"),
    body: revokeBody,
    requestExamples: REVOKE_REQUEST_EXAMPLES.root,
    responses: {
      "400": {
        description: "Always: nothing above a root signs a CRL; remove it from the trust stores instead",
        mediaType: "application/problem+json",
        examples: ROOT_REVOKE_REFUSED_EXAMPLES,
      },
    },
  },
  ...(["intermediate", "root"] as const).map(
    (kind): Operation => ({
      method: "get",
      path: `/crl/${kind}/{name}`,
      summary: `The current signed CRL of ${article(kind)} ${kind} CA (DER; PEM with ?format=pem)`,
      tag: "CRLs",
      pathParameters: {
        name: {
          schema: caName,
          description: `The ${kind} CA's name`,
          example: kind === "root" ? "default" : "devices",
        },
      },
      query: z.strictObject({ format: z.enum(["der", "pem"]).optional() }),
      queryExample: { format: "pem" },
      responses: {
        "200": {
          description: "The CRL: DER (what CRL Distribution Points serve), or PEM",
          mediaType: "application/pkix-crl",
          alternatives: { "application/x-pem-file": CRL_PEM_EXAMPLE },
        },
      },
    }),
  ),
  {
    method: "get",
    path: "/openapi.json",
    summary: "This description",
    tag: "Description",
    responses: { "200": { description: "OpenAPI 3 document" } },
  },
];

/** The document's description: what the API is, and the events it sends (docs/lifecycle.md says more). */
const API_DESCRIPTION = `Root and intermediate CAs, server and device certificates for IoT development and test. Errors are RFC 9457 problem+json. The examples are one walk through the API on an empty store, in the order of the operations.

## AWS IoT Core

\`"iot": {"register": true, "thing_name"?, "policy_name"?, "without_ca"?}\` on device issuance (single, or the batch's and each device's) registers the certificate with AWS IoT Core once it is stored: \`RegisterCertificate\` with its issuing intermediate's PEM (that intermediate must be registered with IoT, else \`409\` before anything is written), or \`RegisterCertificateWithoutCA\` with \`without_ca\` (devices then send SNI); status ACTIVE; the thing is created when missing. The response's \`iot.registered\` says whether IoT has it; when false, \`iot.failed_step\`, \`iot.error\` (IoT's code) and \`iot.retry\` (method, path and body for \`POST /certificates/device/{serial_number}/iot-registration\`, which never registers twice) say what to do: the certificate is stored either way. Revoking a device certificate IoT holds sets it REVOKED there too (\`iot.updated\` in the revocation response; the same route retries it). A batch's IoT calls are paced to the account's API rates.

## Events

Every issuance (single or batch), renewal, revocation and CRL publication puts one event per certificate (one per CRL) on the stack's EventBridge bus (\`EVENT_BUS_NAME\`; the local server appends them to \`events.jsonl\` in its store), and the daily expiry scan one per certificate and warning threshold crossed (30, 7 and 1 days by default, each sent once). Source \`${EVENT_SOURCE}\`; detail types ${Object.values(
  DETAIL_TYPES,
)
  .map((type) => `\`${type}\``)
  .join(", ")}. The detail never holds key material:

| detail field | in | meaning |
|---|---|---|
| \`kind\` | all but CRL Published | \`root\`, \`intermediate\`, \`server\` or \`device\` |
| \`serial_number\` | all but CRL Published | 32 hex digits |
| \`name\` / \`fqdn\` / \`device_id\` | all but CRL Published | the CA's name, the server's host name, the device's id |
| \`subject_alt_names\` | Issued, Renewed, Revoked (server, device) | SAN values as issued |
| \`issuer\` | all | the signing CA's name (absent for roots); for CRL Published the CA whose CRL it is |
| \`not_after\` | all but CRL Published | ISO 8601 |
| \`s3_folder\` | all but CRL Published | the folder of the certificate's PEM files |
| \`acm_certificate_arn\` | Issued, Renewed, Revoked (imported server certificates) | also in the event's \`resources\` |
| \`iot_certificate_id\`, \`iot_certificate_arn\`, \`iot_thing_name\` | Issued, Renewed, Revoked (device certificates registered with AWS IoT Core) | the ARN is also in \`resources\`; absent when the IoT registration failed |
| \`renews\`, \`acm_reimported\` | Renewed | the renewed certificate's serial; whether ACM now serves the new certificate on the same ARN |
| \`reason\`, \`revoked_at\` | Revoked | RFC 5280 reason name, ISO 8601 |
| \`issuer_kind\`, \`crl_number\`, \`this_update\`, \`next_update\`, \`revoked_count\`, \`crl_path\` | CRL Published | the new CRL |
| \`threshold_days\`, \`days_remaining\` | Expiring | the threshold crossed; whole days left |`;

const problemSchema = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    field: { type: "string" },
  },
  required: ["type", "title", "status", "detail"],
};

/** The OpenAPI 3.0 document. */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of API_OPERATIONS) {
    const parameters = [
      ...[...operation.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => {
        const name = match[1] as string;
        const declared = operation.pathParameters?.[name];
        if (!declared) throw new Error(`${operation.method} ${operation.path}: path parameter ${name} has no example`);
        return {
          name,
          in: "path",
          required: true,
          description: declared.description,
          schema: toSchema(declared.schema),
          example: declared.example,
        };
      }),
      ...Object.entries(operation.query ? (toSchema(operation.query).properties as Record<string, unknown>) : {}).map(
        ([name, schema]) => ({ name, in: "query", required: false, schema, example: operation.queryExample?.[name] }),
      ),
      ...(operation.method === "post"
        ? [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description:
                "Retries with the same key and body return the first response (24 h window); a new key for each new request",
              schema: { type: "string", maxLength: 255 },
              example: "5f0d4f3e-2b1c-4a8e-9d7f-6c5b4a3e2d1f",
            },
          ]
        : []),
    ];
    const success = Object.fromEntries(
      Object.entries(operation.responses).map(([status, response]) => [status, responseObject(response)]),
    );
    const errors = Object.fromEntries(
      Object.entries(operation.method === "post" ? POST_ERRORS : GET_ERRORS)
        .filter(([status]) => !(status in success))
        .map(([status, description]) => {
          const example = (operation.method === "post" ? PROBLEM_EXAMPLES : GET_PROBLEM_EXAMPLES)[status];
          return [
            status,
            {
              description,
              content: {
                "application/problem+json": {
                  schema: { $ref: "#/components/schemas/Problem" },
                  ...(example
                    ? { example: problem(Number(status), example.title, example.detail, example.field) }
                    : {}),
                },
              },
            },
          ];
        }),
    );
    paths[operation.path] = {
      ...paths[operation.path],
      [operation.method]: {
        tags: [operation.tag],
        summary: operation.summary,
        operationId: operationId(operation),
        parameters,
        ...(operation.body
          ? {
              requestBody: {
                required: false,
                content: {
                  "application/json": {
                    schema: toSchema(operation.body),
                    ...(operation.requestExamples ? { examples: operation.requestExamples } : {}),
                  },
                },
              },
            }
          : {}),
        responses: { ...success, ...errors },
      },
    };
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "IoT certificates self-service API",
      version: "1.0.0",
      description: API_DESCRIPTION,
    },
    servers: [{ url: serverUrl ?? "http://127.0.0.1:3000" }],
    tags: API_TAGS,
    paths,
    components: { schemas: { Problem: problemSchema } },
  };
}

function responseObject(response: ResponseDescription): Record<string, unknown> {
  const mediaType = response.mediaType ?? "application/json";
  const main =
    mediaType === "application/pkix-crl"
      ? { schema: { type: "string", format: "binary" } }
      : mediaType === "application/problem+json"
        ? { schema: { $ref: "#/components/schemas/Problem" }, examples: response.examples }
        : { schema: { type: "object" }, ...(response.examples ? { examples: response.examples } : {}) };
  const alternatives = Object.fromEntries(
    Object.entries(response.alternatives ?? {}).map(([type, example]) => [
      type,
      { schema: { type: "string" }, ...(example === undefined ? {} : { example }) },
    ]),
  );
  const links = Object.fromEntries(
    Object.entries(response.links ?? {}).map(([name, link]) => [
      name,
      { operationId: operationId(link), parameters: link.parameters, description: link.description },
    ]),
  );
  return {
    description: response.description,
    content: { [mediaType]: main, ...alternatives },
    ...(response.links ? { links } : {}),
  };
}

function article(word: string): "a" | "an" {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

function toSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target: "openapi-3.0", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}

/** `postCertificatesDeviceSerialNumberRevoke` for `POST /certificates/device/{serial_number}/revoke`. */
export function operationId(operation: { method: Method; path: string }): string {
  const words = operation.path
    .replace(/[{}.]/g, "")
    .split(/[/_-]/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return `${operation.method}${words.join("")}`;
}
