/**
 * Hostile input, generated: thousands of request bodies, query strings and
 * path parameters thrown at every route of the template through the local
 * server. Whatever comes in, the answer is never a 5xx, and a refused request
 * leaves the store byte-for-byte as it was.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFunctions } from "../../../src/local/sam-template.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

/** Strings that have broken path handling, parsers or encoders somewhere. */
const HOSTILE_STRINGS = [
  "",
  " ",
  "..",
  "../../etc/passwd",
  "..%2f..%2fetc",
  "%2e%2e",
  "a/b",
  "a\\b",
  "C:\\Windows",
  "/etc/passwd",
  "a\u0000b",
  "\u0000",
  "ｅxample.com",
  "exam\u200bple.com",
  "\u202eevil",
  "é".repeat(80),
  "x".repeat(300),
  "*.",
  "*.com",
  "-a.com",
  "a..b",
  "#4142",
  'Acme "q" <x>; O=evil',
  "CN=evil, O=x",
  "__proto__",
  "constructor",
  "NaN",
  "1e309",
  "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
  "-----BEGIN PRIVATE KEY-----",
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 70 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 9126, Number.MAX_SAFE_INTEGER, 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
);

const FIELDS = [
  "name",
  "issuer",
  "fqdn",
  "common_name",
  "device_id",
  "country",
  "state",
  "organization",
  "validity_days",
  "validity_behavior",
  "key_algorithm",
  "subject_alt_names",
  "csr",
  "format",
  "pkcs12_password",
  "count",
  "devices",
  "reason",
];

/** Bodies: known fields with hostile values (the usual case), arbitrary JSON, or not JSON at all. */
const hostileBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .dictionary(fc.constantFrom(...FIELDS), hostileValue, { minKeys: 1, maxKeys: 4 })
      .map((body) => JSON.stringify(body)),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** A fingerprint of every file in the store: names and contents. */
function storeFingerprint(directory: string): string {
  const hash = createHash("sha256");
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${relative(directory, path)}\n`).update(readFileSync(path));
    }
  };
  walk(directory);
  return hash.digest("hex");
}

const routes = readFunctions("template.yaml").flatMap((fn) => fn.routes);
const samplePath = (path: string, value: string) => path.replace(/\{[a-z_]+\}/g, value);

describe("hostile input on every route", () => {
  let api: LocalApi;
  let refused = 0;
  let accepted = 0;

  beforeAll(async () => {
    api = await startLocalApi();
    for (const [path, body] of [
      ["/certificates/root", { key_algorithm: "EC-P256" }],
      ["/certificates/intermediate", { key_algorithm: "EC-P256" }],
      ["/certificates/intermediate", { name: "servers", key_algorithm: "EC-P256" }],
      ["/certificates/intermediate", { name: "devices", key_algorithm: "EC-P256" }],
    ] as const) {
      expect((await api.post(path, body)).status).toBe(201);
    }
  });
  afterAll(async () => {
    console.log(`hostile input: ${refused} refused (store unchanged), ${accepted} accepted`);
    await api.stop();
  });

  /** Sends one request; asserts no 5xx, and an unchanged store when refused. */
  async function probe(method: string, path: string, body?: string): Promise<number> {
    const before = storeFingerprint(api.storeDirectory);
    const response = await fetch(`${api.baseUrl}${path}`, {
      method,
      body,
      headers: { "content-type": "application/json" },
    });
    const text = await response.text();
    expect(response.status, `${method} ${path} ${body ?? ""} → ${text}`).toBeLessThan(500);
    if (response.status >= 400) {
      refused += 1;
      expect(response.headers.get("content-type"), text).toContain("application/problem+json");
      expect(storeFingerprint(api.storeDirectory), `${method} ${path} ${body} changed the store`).toBe(before);
    } else {
      accepted += 1;
    }
    return response.status;
  }

  const postRoutes = routes.filter((route) => route.method === "POST");
  it.each(postRoutes.map((route) => [route.path]))("POST %s: generated bodies", async (path) => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        await probe("POST", samplePath(path, "default"), body);
      }),
      { numRuns: 250 },
    );
  });

  it("path parameters: traversal, encodings, separators and look-alikes never reach the store", async () => {
    const hostileSegments = [
      "..",
      "%2e%2e",
      "..%2f..%2fetc",
      "%2fetc%2fpasswd",
      "a%5cb",
      "%00",
      "a%00b",
      "%ef%bd%85xample",
      "%c0%ae%c0%ae",
      "..%252f",
      "x".repeat(300),
      "DEFAULT",
      "0".repeat(32),
      "g".repeat(32),
    ];
    for (const route of routes.filter((candidate) => candidate.path.includes("{"))) {
      for (const segment of hostileSegments) {
        await probe(route.method, samplePath(route.path, segment), route.method === "POST" ? "{}" : undefined);
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes.filter((r) => r.path.includes("{"))),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (route, raw) => {
          await probe(
            route.method,
            samplePath(route.path, encodeURIComponent(raw)),
            route.method === "POST" ? "{}" : undefined,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("query strings of the list routes", async () => {
    const listRoutes = routes.filter(
      (route) => route.method === "GET" && !route.path.includes("{") && route.path.startsWith("/certificates/"),
    );
    const parameter = fc.constantFrom("limit", "next_token", "issuer", "expires_before", "status", "format", "x");
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...listRoutes),
        fc.dictionary(parameter, hostileString, { maxKeys: 3 }),
        async (route, query) => {
          const status = await probe("GET", `${route.path}?${new URLSearchParams(query)}`);
          expect([200, 400]).toContain(status);
        },
      ),
      { numRuns: 300 },
    );
  });
});
