/**
 * `Idempotency-Key` on any POST: a retry with the same key and the same body
 * gets the first response back and issues nothing new; the same key with a
 * different body is a 422; a retry while the first request still runs is a
 * 409 with Retry-After. Keys live for IDEMPOTENCY_WINDOW_MS (24 hours), then
 * may be reused.
 *
 * Storage: `idempotency/<sha256(route, key)>/request.json` is claimed with a
 * conditional write before the work starts, and `response.json` is written
 * once it succeeded. A 5xx releases the claim, so the client can retry. A
 * stored response can hold a leaf's private key, exactly as the response did
 * (the key is in the certificate's folder anyway); it never holds a CA key.
 */
import { createHash } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { ObjectStore } from "../core/ports.js";
import { headerValue } from "./api-handler.js";
import { HttpError } from "./problem.js";

/** How long a key is remembered: 24 hours. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Claim {
  request_hash: string;
  created_at: string;
  expires_at: string;
}

/** Runs `route` at most once per Idempotency-Key (when the request has one). */
export async function idempotent(
  event: APIGatewayProxyEvent,
  store: ObjectStore,
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  clock: () => Date = () => new Date(),
): Promise<APIGatewayProxyResult> {
  const key = headerValue(event, "Idempotency-Key");
  if (key === undefined) return route(event);
  if (!KEY_PATTERN.test(key)) {
    throw new HttpError(
      400,
      "Invalid request",
      "Idempotency-Key must be 1 to 255 visible ASCII characters",
      "Idempotency-Key",
    );
  }
  const folder = `idempotency/${createHash("sha256").update(`${event.httpMethod} ${event.resource}\n${key}`).digest("hex")}/`;
  const requestHash = hashRequest(event);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const now = clock();
    const claim: Claim = {
      request_hash: requestHash,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS).toISOString(),
    };
    if (await store.putIfAbsent(`${folder}request.json`, JSON.stringify(claim), "application/json")) {
      return runClaimed(event, store, folder, route);
    }
    const existing = await store.get(`${folder}request.json`);
    if (existing === undefined) continue; // released in the meantime: claim again
    const previous = JSON.parse(existing) as Claim;
    if (new Date(previous.expires_at).getTime() <= now.getTime()) {
      await store.delete(`${folder}response.json`);
      await store.delete(`${folder}request.json`);
      continue;
    }
    if (previous.request_hash !== requestHash) {
      throw new HttpError(
        422,
        "Idempotency key reused",
        "this Idempotency-Key was already used with a different request body; use a new key for a new request",
        "Idempotency-Key",
      );
    }
    const stored = await store.get(`${folder}response.json`);
    if (stored === undefined) {
      throw new HttpError(
        409,
        "Request in progress",
        "a request with this Idempotency-Key is still being processed; retry in a moment",
        "Idempotency-Key",
      );
    }
    const response = JSON.parse(stored) as APIGatewayProxyResult;
    return { ...response, headers: { ...response.headers, "Idempotent-Replayed": "true" } };
  }
  throw new HttpError(
    409,
    "Request in progress",
    "the Idempotency-Key is contended; retry in a moment",
    "Idempotency-Key",
  );
}

async function runClaimed(
  event: APIGatewayProxyEvent,
  store: ObjectStore,
  folder: string,
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  let response: APIGatewayProxyResult;
  try {
    response = await route(event);
  } catch (error) {
    await store.delete(`${folder}request.json`).catch(() => undefined);
    throw error;
  }
  if (response.statusCode >= 500) {
    await store.delete(`${folder}request.json`).catch(() => undefined);
  } else {
    await store.putIfAbsent(`${folder}response.json`, JSON.stringify(response), "application/json");
  }
  return response;
}

/** The request's identity: its body as canonical JSON (key order and spacing do not matter), or its bytes. */
function hashRequest(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  let canonical = text;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(text === "" ? "{}" : text)));
  } catch {
    // not JSON: hash the bytes; validation will refuse the body anyway
  }
  return createHash("sha256").update(`${event.path}\n${canonical}`).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  }
  return value;
}
