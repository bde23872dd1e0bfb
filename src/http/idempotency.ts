/**
 * `Idempotency-Key` on any POST: a retry with the same key and the same body
 * gets the first response back and issues nothing new; the same key with a
 * different body is a 422; a retry while the first request still runs is a
 * 409 with Retry-After. Keys live for IDEMPOTENCY_WINDOW_MS (24 hours), then
 * may be reused.
 *
 * Storage: `idempotency/<sha256(route, key)>/` holds numbered claims.
 * `claim-<n>.json` is taken with a conditional write (`putIfAbsent`) before
 * the work starts, and `response-<n>.json` is written once it succeeded. A
 * 5xx releases the claim (deletes it), so the client can retry. A stored
 * response can hold a leaf's private key, exactly as the response did (the
 * key is in the certificate's folder anyway); it never holds a CA key.
 *
 * A claim in progress carries a deadline: when its invocation must have
 * ended (the function's remaining time at the claim, plus a margin). An
 * invocation that was killed or timed out never writes its response nor
 * releases its claim; past the deadline the claim is stale and a retry takes
 * the key over, as it does a claim past its 24 hours.
 *
 * Taking over, with a store that can only create, read, delete and list: the
 * successor of claim n is claim n+1, taken with the same conditional write.
 * Two retries racing to replace one stale claim both try to create
 * `claim-<n+1>.json`: the store lets exactly one succeed, and the other reads
 * the winner's claim (in progress: 409). Nothing is deleted to take over, so
 * there is no window in which a third request could find the key free; the
 * newest claim is the key's state, and a request finds it by trying claim 0
 * and, when that one is over, listing the claims (one LIST, whatever the
 * history). The only deletion, a release, removes the releaser's own newest
 * claim and only before its deadline, so no claim after it can exist yet: the
 * key falls back to the claim before it, which is over, and the next request
 * takes the released number again, exclusively.
 *
 * What a deadline cannot rule out: an invocation still running after it (the
 * local server, which enforces no timeout, serving a request longer than
 * DEFAULT_INVOCATION_TIMEOUT_MS plus the margin) may then run side by side
 * with the retry that took over. Both responses are stored, each under its
 * own claim; replays give the newest.
 */
import { createHash } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { ObjectStore } from "../core/ports.js";
import { headerValue } from "./header-value.js";
import { logError } from "./log.js";
import { HttpError, problemFor, problemResponse } from "./problem.js";

/** How long a key is remembered: 24 hours. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * An invocation's time when no Lambda context says how much is left (the
 * local server, tests): 30 s, the functions' Timeout in template.yaml.
 */
export const DEFAULT_INVOCATION_TIMEOUT_MS = 30_000;

/**
 * Added to an invocation's remaining time to make its claim's deadline: 5 s,
 * for the clocks of the instances that claim and take over to differ, and
 * for the time between reading the remaining time and writing the claim.
 */
export const CLAIM_DEADLINE_MARGIN_MS = 5_000;

/** Newest claim numbers of one key walked before giving up with a 409 (each step needs a takeover race lost). */
const MAX_STEPS = 8;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Claim {
  request_hash: string;
  created_at: string;
  /** End of the key's 24 hours. */
  expires_at: string;
  /** When the invocation that holds the claim must have ended: until then, without a response, it is in progress. */
  in_progress_until: string;
}

/** How `idempotent` tells time. */
export interface IdempotencyOptions {
  /** Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis()`); default DEFAULT_INVOCATION_TIMEOUT_MS. */
  remainingTimeMs?: number | undefined;
  /** The current time; default `new Date()`. */
  clock?: () => Date;
}

/** Runs `route` at most once per Idempotency-Key (when the request has one). */
export async function idempotent(
  event: APIGatewayProxyEvent,
  store: ObjectStore,
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  options: IdempotencyOptions = {},
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
  const clock = options.clock ?? (() => new Date());
  const runTime = (options.remainingTimeMs ?? DEFAULT_INVOCATION_TIMEOUT_MS) + CLAIM_DEADLINE_MARGIN_MS;
  const folder = `idempotency/${createHash("sha256").update(`${event.httpMethod} ${event.resource}\n${key}`).digest("hex")}/`;
  const requestHash = hashRequest(event);
  let number = 0;
  let listed = false;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const now = clock().getTime();
    const claim: Claim = {
      request_hash: requestHash,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + IDEMPOTENCY_WINDOW_MS).toISOString(),
      in_progress_until: new Date(now + runTime).toISOString(),
    };
    if (await store.putIfAbsent(claimKey(folder, number), JSON.stringify(claim), "application/json")) {
      return runClaimed(event, store, { folder, number, claim }, route, clock);
    }
    const existing = await store.get(claimKey(folder, number));
    if (existing === undefined) continue; // released in the meantime: claim it again
    const previous = JSON.parse(existing) as Claim;
    if (Date.parse(previous.expires_at) <= now) {
      number = listed ? number + 1 : await newestAfter(store, folder, number);
      listed = true;
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
    const stored = await store.get(responseKey(folder, number));
    if (stored !== undefined) {
      const response = JSON.parse(stored) as APIGatewayProxyResult;
      return { ...response, headers: { ...response.headers, "Idempotent-Replayed": "true" } };
    }
    if (Date.parse(previous.in_progress_until) <= now) {
      // Killed or timed out: take the key over (after one listing, a claim found over is followed by the next).
      number = listed ? number + 1 : await newestAfter(store, folder, number);
      listed = true;
      continue;
    }
    return inProgress("a request with this Idempotency-Key is still being processed; retry in a moment");
  }
  return inProgress("the Idempotency-Key is contended; retry in a moment");
}

/** The number to try after claim `number`, which is over: the newest there is, or the next one when it is the newest. */
async function newestAfter(store: ObjectStore, folder: string, number: number): Promise<number> {
  let newest = number;
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list(`${folder}claim-`, { startAfter });
    for (const key of page.keys) {
      const match = /claim-(\d+)\.json$/.exec(key);
      if (match) newest = Math.max(newest, Number(match[1]));
    }
    if (!page.isTruncated || page.keys.length === 0) break;
    startAfter = page.keys.at(-1);
  }
  return newest > number ? newest : number + 1;
}

function claimKey(folder: string, number: number): string {
  return `${folder}claim-${number}.json`;
}

function responseKey(folder: string, number: number): string {
  return `${folder}response-${number}.json`;
}

/** A 409 with Retry-After: most requests end within a second. */
function inProgress(detail: string): APIGatewayProxyResult {
  return problemResponse(problemFor(new HttpError(409, "Request in progress", detail, "Idempotency-Key")), {
    "Retry-After": "1",
  });
}

async function runClaimed(
  event: APIGatewayProxyEvent,
  store: ObjectStore,
  held: { folder: string; number: number; claim: Claim },
  route: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
  clock: () => Date,
): Promise<APIGatewayProxyResult> {
  const release = async (): Promise<void> => {
    // Past the deadline a retry may already hold the next claim: deleting ours then would let a third
    // request claim this number too. The claim is stale by then anyway.
    if (clock().getTime() >= Date.parse(held.claim.in_progress_until)) return;
    await store.delete(claimKey(held.folder, held.number)).catch(() => undefined);
  };
  let response: APIGatewayProxyResult;
  try {
    response = await route(event);
  } catch (error) {
    await release();
    throw error;
  }
  if (response.statusCode >= 500) {
    await release();
    return response;
  }
  try {
    await store.putIfAbsent(responseKey(held.folder, held.number), JSON.stringify(response), "application/json");
  } catch (error) {
    // The work is done (a certificate may have been issued): the client gets its response all the same.
    // The claim stays in progress until its deadline, then a retry issues anew.
    logError("storing the response of an idempotent request failed; its key is in progress until its deadline", error, {
      in_progress_until: held.claim.in_progress_until,
    });
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
