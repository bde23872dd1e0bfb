/**
 * `idempotent` (src/http/idempotency.ts) on an in-memory store with S3's
 * rules and a clock the tests move: a claim whose invocation was killed
 * answers 409 until its deadline (the invocation's remaining time plus the
 * margin) and can be taken over after it; two retries racing to take over
 * one stale claim make one winner; a 5xx releases the claim; a failed
 * response write still answers the client. What a client sees over HTTP is
 * in tests/e2e/api/idempotency.test.ts.
 */
import { readFileSync } from "node:fs";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import {
  CLAIM_DEADLINE_MARGIN_MS,
  DEFAULT_INVOCATION_TIMEOUT_MS,
  IDEMPOTENCY_WINDOW_MS,
  idempotent,
} from "../../../src/http/idempotency.js";
import { RecordingObjectStore } from "../../support/api/memory-bucket.js";
import { apiEvent, expectProblem, json } from "./handlers/handler-harness.js";

const START = Date.parse("2026-11-28T10:00:00.000Z");

let now: number;
const clock = () => new Date(now);
let store: RecordingObjectStore;

beforeEach(() => {
  now = START;
  store = new RecordingObjectStore();
});

afterEach(() => vi.restoreAllMocks());

function request(body: unknown = { device_id: "sensor-1" }, key = "retry-me"): APIGatewayProxyEvent {
  return apiEvent({
    method: "POST",
    resource: "/certificates/device",
    body,
    headers: { "Idempotency-Key": key },
  });
}

/** A route that counts its runs and answers 201 with a numbered "certificate". */
function issuingRoute() {
  let runs = 0;
  const route = async (): Promise<APIGatewayProxyResult> => {
    runs += 1;
    return { statusCode: 201, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ run: runs }) };
  };
  return { route, runs: () => runs };
}

/** A route whose invocation never ends, as one Lambda killed at its timeout (or a crashed process). */
function killedRoute(): Promise<APIGatewayProxyResult> {
  return new Promise(() => undefined);
}

/** Starts a request whose invocation is then killed: it claims the key and never answers. */
async function startKilledInvocation(remainingTimeMs?: number): Promise<void> {
  void idempotent(request(), store, killedRoute, { clock, remainingTimeMs });
  await vi.waitFor(() => expect(claimKeys()).toHaveLength(1));
}

function claimKeys(): string[] {
  return store.keys().filter((key) => /\/claim-\d+\.json$/.test(key));
}

function claim(number: number): { in_progress_until: string; created_at: string; expires_at: string } {
  const key = store.keys().find((candidate) => candidate.endsWith(`/claim-${number}.json`));
  if (!key) throw new Error(`no claim ${number}; keys: ${store.keys().join(", ")}`);
  return JSON.parse(store.body(key));
}

describe("a claim whose invocation was killed", () => {
  it("answers 409 (Retry-After) until the invocation's remaining time plus the margin, then can be claimed", async () => {
    await startKilledInvocation(12_000);
    const deadline = START + 12_000 + CLAIM_DEADLINE_MARGIN_MS;
    expect(Date.parse(claim(0).in_progress_until)).toBe(deadline);

    const { route, runs } = issuingRoute();
    now = deadline - 1;
    const early = await idempotent(request(), store, route, { clock });
    expectProblem(early, 409, "Idempotency-Key");
    expect(early.headers?.["Retry-After"]).toBe("1");
    expect(runs()).toBe(0);

    now = deadline;
    const taken = await idempotent(request(), store, route, { clock });
    expect(taken.statusCode).toBe(201);
    expect(taken.headers?.["Idempotent-Replayed"]).toBeUndefined();
    expect(runs()).toBe(1);
    expect(claimKeys().map((key) => key.split("/").at(-1))).toEqual(["claim-0.json", "claim-1.json"]);

    // From now on the key answers with the takeover's response, whatever the stale claim says.
    now = deadline + 60_000;
    const replay = await idempotent(request(), store, route, { clock });
    expect(replay.headers?.["Idempotent-Replayed"]).toBe("true");
    expect(json(replay)).toEqual({ run: 1 });
    expect(runs()).toBe(1);
  });

  it("without a Lambda context, lasts the template's function timeout (30 s) plus the margin", async () => {
    const template = parse(readFileSync("template.yaml", "utf8").replace(/!\w+/g, "")) as {
      Globals: { Function: { Timeout: number } };
    };
    expect(DEFAULT_INVOCATION_TIMEOUT_MS).toBe(template.Globals.Function.Timeout * 1000);

    await startKilledInvocation();
    const deadline = START + DEFAULT_INVOCATION_TIMEOUT_MS + CLAIM_DEADLINE_MARGIN_MS;
    expect(Date.parse(claim(0).in_progress_until)).toBe(deadline);
    const { route, runs } = issuingRoute();
    now = deadline - 1;
    expectProblem(await idempotent(request(), store, route, { clock }), 409);
    now = deadline;
    expect((await idempotent(request(), store, route, { clock })).statusCode).toBe(201);
    expect(runs()).toBe(1);
  });

  it("still refuses another body with the same key (422), before and after its deadline", async () => {
    await startKilledInvocation(1_000);
    const { route, runs } = issuingRoute();
    const reused = { status: 422, field: "Idempotency-Key" };
    await expect(idempotent(request({ device_id: "other" }), store, route, { clock })).rejects.toMatchObject(reused);
    now = START + 60_000;
    await expect(idempotent(request({ device_id: "other" }), store, route, { clock })).rejects.toMatchObject(reused);
    expect(runs()).toBe(0);
  });

  it("two retries racing to take it over: exactly one runs, the other gets 409, then both see its response", async () => {
    await startKilledInvocation(1_000);
    now = START + 60_000;
    // Both retries have read the stale claim before either writes its successor: each write of claim 1 waits for both.
    let arrivals = 0;
    let bothArrived: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    const racingStore = Object.create(store) as RecordingObjectStore;
    racingStore.putIfAbsent = async (key, body, contentType) => {
      if (key.endsWith("/claim-1.json")) {
        arrivals += 1;
        if (arrivals === 2) bothArrived();
        await gate;
      }
      return store.putIfAbsent(key, body, contentType);
    };

    let finish: (response: APIGatewayProxyResult) => void = () => undefined;
    let runs = 0;
    const slowRoute = () => {
      runs += 1;
      return new Promise<APIGatewayProxyResult>((resolve) => {
        finish = resolve;
      });
    };
    const first = idempotent(request(), racingStore, slowRoute, { clock });
    const second = idempotent(request(), racingStore, slowRoute, { clock });
    const loser = await Promise.race([first, second]);
    expectProblem(loser, 409, "Idempotency-Key");
    expect(arrivals).toBe(2);
    expect(runs).toBe(1);
    expect(claimKeys().map((key) => key.split("/").at(-1))).toEqual(["claim-0.json", "claim-1.json"]);

    finish({ statusCode: 201, headers: {}, body: JSON.stringify({ winner: true }) });
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.statusCode).sort()).toEqual([201, 409]);
    const replay = await idempotent(request(), store, slowRoute, { clock });
    expect(replay.headers?.["Idempotent-Replayed"]).toBe("true");
    expect(json(replay)).toEqual({ winner: true });
    expect(runs).toBe(1);
  });
  it("two retries that both read it stale, one taking over before the other acts: still exactly one runs", async () => {
    await startKilledInvocation(1_000);
    now = START + 60_000;
    // Each retry has its own view of the store whose first read (the stale claim) waits until both have read it.
    let arrivals = 0;
    let bothRead: () => void = () => undefined;
    const read = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    const retryView = (go: Promise<void>): RecordingObjectStore => {
      const view = Object.create(store) as RecordingObjectStore;
      let first = true;
      view.get = async (key) => {
        const body = await store.get(key);
        if (first) {
          first = false;
          arrivals += 1;
          if (arrivals === 2) bothRead();
          await go;
        }
        return body;
      };
      return view;
    };
    let goFirst: () => void = () => undefined;
    let goSecond: () => void = () => undefined;
    const first = retryView(new Promise((resolve) => (goFirst = resolve)));
    const second = retryView(new Promise((resolve) => (goSecond = resolve)));
    let runs = 0;
    let finish: (response: APIGatewayProxyResult) => void = () => undefined;
    const slowRoute = () => {
      runs += 1;
      return new Promise<APIGatewayProxyResult>((resolve) => {
        finish = resolve;
      });
    };
    const winner = idempotent(request(), first, slowRoute, { clock });
    const loser = idempotent(request(), second, slowRoute, { clock });
    await read;
    goFirst();
    await vi.waitFor(() => expect(runs).toBe(1));
    goSecond();
    expectProblem(await loser, 409, "Idempotency-Key");
    expect(runs).toBe(1);
    finish({ statusCode: 201, headers: {}, body: "{}" });
    expect((await winner).statusCode).toBe(201);
  });
});

describe("the end of a request", () => {
  it("a 5xx releases the claim at once: the retry runs without waiting for the deadline", async () => {
    let status = 503;
    const route = async (): Promise<APIGatewayProxyResult> => ({ statusCode: status, headers: {}, body: "{}" });
    expect((await idempotent(request(), store, route, { clock })).statusCode).toBe(503);
    expect(claimKeys()).toEqual([]);
    status = 201;
    expect((await idempotent(request(), store, route, { clock })).statusCode).toBe(201);
    expect(claimKeys().map((key) => key.split("/").at(-1))).toEqual(["claim-0.json"]);
  });

  it("a 5xx after the deadline leaves the claim: a retry may hold the next one already", async () => {
    const route = async (): Promise<APIGatewayProxyResult> => {
      now = START + DEFAULT_INVOCATION_TIMEOUT_MS + CLAIM_DEADLINE_MARGIN_MS;
      return { statusCode: 500, headers: {}, body: "{}" };
    };
    expect((await idempotent(request(), store, route, { clock })).statusCode).toBe(500);
    expect(store.calls().filter((call) => call.operation === "delete")).toEqual([]);
    expect(claimKeys()).toHaveLength(1);
  });

  it("when the response cannot be stored, the client still gets the 201, and the key stays claimed until the deadline", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    store.failWhen = (call) => call.operation === "putIfAbsent" && /\/response-\d+\.json$/.test(call.key);
    const certificate = { certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" };
    const route = async (): Promise<APIGatewayProxyResult> => ({
      statusCode: 201,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(certificate),
    });
    const result = await idempotent(request(), store, route, { clock, remainingTimeMs: 10_000 });
    expect(result.statusCode).toBe(201);
    expect(json(result)).toEqual(certificate);
    const logged = log.mock.calls.map((call) => String(call[0])).join("\n");
    expect(logged).toMatch(/storing the response of an idempotent request failed/);
    expect(logged).not.toContain("BEGIN CERTIFICATE");

    store.failWhen = undefined;
    now = START + 10_000 + CLAIM_DEADLINE_MARGIN_MS - 1;
    expectProblem(await idempotent(request(), store, route, { clock }), 409);
    now += 1;
    expect((await idempotent(request(), store, route, { clock })).statusCode).toBe(201);
  });

  it("after 24 hours a key is free again, for any body, and its old response is no longer replayed", async () => {
    const { route, runs } = issuingRoute();
    await idempotent(request(), store, route, { clock });
    now = START + IDEMPOTENCY_WINDOW_MS - 1;
    expect((await idempotent(request(), store, route, { clock })).headers?.["Idempotent-Replayed"]).toBe("true");
    now = START + IDEMPOTENCY_WINDOW_MS;
    const fresh = await idempotent(request({ device_id: "another" }), store, route, { clock });
    expect(fresh.statusCode).toBe(201);
    expect(json(fresh)).toEqual({ run: 2 });
    // A third day: the newest claim is found with one listing, not by walking every claim before it.
    now = START + 2 * IDEMPOTENCY_WINDOW_MS;
    store.timeline.length = 0;
    expect(json(await idempotent(request(), store, route, { clock }))).toEqual({ run: 3 });
    expect(store.calls().map((call) => `${call.operation} ${call.key.split("/").at(-1)}`)).toEqual([
      "putIfAbsent claim-0.json",
      "get claim-0.json",
      "list claim-",
      "putIfAbsent claim-1.json",
      "get claim-1.json",
      "putIfAbsent claim-2.json",
      "putIfAbsent response-2.json",
    ]);
    expect(runs()).toBe(3);
  });
});
