/**
 * The OpenAPI 3 description of every route, generated from the same zod
 * schemas the handlers validate with, so the two cannot drift. Served at
 * `GET /openapi.json`; importable into Postman. A test checks that these
 * operations, the template's API events and the local server's routes are
 * the same set.
 */
import * as z from "zod";
import { DETAIL_TYPES, EVENT_SOURCE } from "../core/events/certificate-events.js";
import { MAX_BODY_BYTES } from "./api-handler.js";
import {
  createIntermediateBody,
  createRootBody,
  issueDeviceBatchBody,
  issueDeviceBody,
  issueServerBody,
  listQuery,
  renewBody,
  revokeBody,
} from "./request-schemas.js";

interface Operation {
  method: "get" | "post";
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** Status code → description of success responses. */
  responses: Record<string, string>;
  /** Media types of a success body other than JSON. */
  alternativeMediaTypes?: string[];
}

const POST_ERRORS = {
  "400": "Invalid request: the field at fault is named in `field`",
  "404": "The issuer (or certificate) does not exist",
  "409": "A CA with this name exists (left unchanged), the certificate is revoked or already renewed, or the Idempotency-Key is in use",
  "413": `Body larger than ${MAX_BODY_BYTES} bytes`,
  "422": "Idempotency-Key reused with a different body",
  "503": "Storage or ACM failed; nothing was issued; retry (see Retry-After)",
};

const kinds = ["root", "intermediate", "server", "device"] as const;

/** Every operation of the API. */
export const API_OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/certificates/root",
    summary: "Create a self-signed root CA",
    body: createRootBody,
    responses: { "201": "Root CA created" },
  },
  {
    method: "post",
    path: "/certificates/intermediate",
    summary: "Create an intermediate CA signed by a root",
    body: createIntermediateBody,
    responses: { "201": "Intermediate CA created" },
  },
  {
    method: "post",
    path: "/certificates/server",
    summary: "Issue a server certificate (generated key or CSR); imported into ACM when the key was generated",
    body: issueServerBody,
    responses: { "201": "Server certificate issued" },
  },
  {
    method: "post",
    path: "/certificates/device",
    summary: "Issue a device (TLS client) certificate (generated key or CSR)",
    body: issueDeviceBody,
    responses: { "201": "Device certificate issued" },
  },
  {
    method: "post",
    path: "/certificates/device/batch",
    summary: "Issue up to 1,000 device certificates in one call",
    body: issueDeviceBatchBody,
    responses: { "201": "Every device issued", "207": "Some devices failed; see each result's status" },
  },
  ...kinds.map(
    (kind): Operation => ({
      method: "get",
      path: `/certificates/${kind}`,
      summary: `List ${kind} certificates, one page at a time`,
      query: listQuery,
      responses: { "200": "A page: {items, next_token}" },
    }),
  ),
  ...kinds.map(
    (kind): Operation => ({
      method: "get",
      path: `/certificates/${kind}/${kind === "root" || kind === "intermediate" ? "{name}" : "{serial_number}"}`,
      summary: `One ${kind} certificate with its chain and status (never a key)`,
      responses: { "200": "The certificate" },
      alternativeMediaTypes: ["application/x-pem-file"],
    }),
  ),
  ...kinds.map(
    (kind): Operation => ({
      method: "post",
      path: `/certificates/${kind}/${kind === "root" || kind === "intermediate" ? "{name}" : "{serial_number}"}/revoke`,
      summary:
        kind === "root"
          ? "Roots cannot be revoked (always 400)"
          : `Revoke a ${kind} certificate and re-sign its issuer's CRL`,
      body: revokeBody,
      responses: { "200": "Revoked" },
    }),
  ),
  ...(["server", "device"] as const).map(
    (kind): Operation => ({
      method: "post",
      path: `/certificates/${kind}/{serial_number}/renew`,
      summary:
        kind === "server"
          ? "Renew a server certificate: same subject, SANs, issuer, key algorithm and EKU; re-imported into ACM on the same certificate ARN"
          : "Renew a device certificate: same subject, SANs, issuer, key algorithm and EKU",
      body: renewBody,
      responses: {
        "201": "Renewed: the new certificate, and `previous` (renewed_by, and its revocation with revoke_previous)",
      },
    }),
  ),
  ...(["root", "intermediate"] as const).map(
    (kind): Operation => ({
      method: "get",
      path: `/crl/${kind}/{name}`,
      summary: `The current signed CRL of a ${kind} CA (DER; PEM with ?format=pem)`,
      query: z.strictObject({ format: z.enum(["der", "pem"]).optional() }),
      responses: { "200": "The CRL" },
      alternativeMediaTypes: ["application/pkix-crl", "application/x-pem-file"],
    }),
  ),
  {
    method: "get",
    path: "/openapi.json",
    summary: "This description",
    responses: { "200": "OpenAPI 3 document" },
  },
];

/** The document's description: what the API is, and the events it sends (docs/lifecycle.md says more). */
const API_DESCRIPTION = `Root and intermediate CAs, server and device certificates for IoT development and test. Errors are RFC 9457 problem+json.

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
      ...[...operation.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => ({
        name: match[1],
        in: "path",
        required: true,
        schema: { type: "string" },
      })),
      ...Object.entries(operation.query ? (toSchema(operation.query).properties as Record<string, unknown>) : {}).map(
        ([name, schema]) => ({ name, in: "query", required: false, schema }),
      ),
      ...(operation.method === "post"
        ? [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              description: "Retries with the same key and body return the first response (24 h window)",
              schema: { type: "string", maxLength: 255 },
            },
          ]
        : []),
    ];
    const success = Object.fromEntries(
      Object.entries(operation.responses).map(([status, description]) => [
        status,
        {
          description,
          content: Object.fromEntries(
            ["application/json", ...(operation.alternativeMediaTypes ?? [])].map((type) => [type, {}]),
          ),
        },
      ]),
    );
    const errors = Object.fromEntries(
      Object.entries(operation.method === "post" ? POST_ERRORS : { "400": "Invalid request", "404": "Not found" }).map(
        ([status, description]) => [
          status,
          {
            description,
            content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
        ],
      ),
    );
    paths[operation.path] = {
      ...paths[operation.path],
      [operation.method]: {
        summary: operation.summary,
        operationId: operationId(operation),
        parameters,
        ...(operation.body
          ? { requestBody: { required: false, content: { "application/json": { schema: toSchema(operation.body) } } } }
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
    paths,
    components: { schemas: { Problem: problemSchema } },
  };
}

function toSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target: "openapi-3.0", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}

function operationId(operation: Operation): string {
  const words = operation.path
    .replace(/[{}.]/g, "")
    .split(/[/_-]/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return `${operation.method}${words.join("")}`;
}
