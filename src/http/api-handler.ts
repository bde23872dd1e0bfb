/**
 * What every Lambda handler shares: parse and validate the API Gateway proxy
 * event, run one use case, map the result or error to a response. Handlers
 * built with it stay a few lines long.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { z } from "zod";
import type { ObjectStore } from "../core/ports.js";
import { idempotent } from "./idempotency.js";
import { withLogContext } from "./log.js";
import { errorResponse, HttpError } from "./problem.js";

/** Largest request body accepted (bytes). API Gateway itself allows 10 MB; no request of ours needs more than this. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A Lambda handler of the API. Lambda passes its `context` (the time left is
 * read from it); the local server passes none.
 */
export type ApiHandler = (
  event: APIGatewayProxyEvent,
  context?: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<APIGatewayProxyResult>;

export interface ApiHandlerOptions {
  /** Store for `Idempotency-Key` records; when given, the route honours the header (use it on every POST). */
  idempotencyStore?: () => ObjectStore;
}

/** Wraps a route's logic so that any error becomes a problem+json response. */
export function apiHandler(
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  options: ApiHandlerOptions = {},
): ApiHandler {
  const { idempotencyStore } = options;
  return (event, context) =>
    // Every log line of this invocation carries the API Gateway request id.
    withLogContext({ requestId: event.requestContext?.requestId }, async () => {
      try {
        if (!idempotencyStore) return await route(event);
        // An Idempotency-Key's claim lasts as long as this invocation may (see idempotency.ts).
        const remainingTimeMs = context?.getRemainingTimeInMillis();
        return await idempotent(event, idempotencyStore(), guarded(route), { remainingTimeMs });
      } catch (error) {
        return errorResponse(error);
      }
    });
}

/** Errors of the route become responses inside the idempotency scope, so a stored 4xx replays like a 201. */
function guarded(
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    try {
      return await route(event);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Parses and validates the JSON body; an absent body counts as `{}` (every field at its default). */
export function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new HttpError(413, "Content too large", `the request body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, "Malformed JSON", `the request body is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "Invalid request", "the request body must be a JSON object");
  }
  return validate(schema, value);
}

/** Validates the query string; unknown parameters are refused like unknown body fields. */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  return validate(schema, event.queryStringParameters ?? {});
}

/** Validates a path parameter. */
export function parsePathParameter<S extends z.ZodType>(
  event: APIGatewayProxyEvent,
  name: string,
  schema: S,
): z.output<S> {
  const value = event.pathParameters?.[name];
  const result = schema.safeParse(value === undefined ? undefined : safeDecode(value));
  if (!result.success) {
    throw new HttpError(
      400,
      "Invalid request",
      `path parameter ${name} ${result.error.issues[0]?.message ?? "is invalid"}`,
      name,
    );
  }
  return result.data;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join(".") || undefined;
  let message = issue?.message ?? "is invalid";
  // zod leaves `input` out of its issues: a field is missing when the value at its path is.
  if (issue?.code === "invalid_type" && valueAt(value, issue.path) === undefined) message = "is required";
  if (issue?.code === "unrecognized_keys") {
    const keys = issue.keys.join(", ");
    const prefix = issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : "";
    throw new HttpError(400, "Invalid request", `${prefix}unknown field(s): ${keys}`, issue.keys[0]);
  }
  throw new HttpError(400, "Invalid request", field ? `${field} ${message}` : message, field);
}

/** The value at `path` inside `value`, or undefined. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A JSON response. */
export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
