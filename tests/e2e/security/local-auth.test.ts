/**
 * The local server is safe by default: it listens on loopback only, refuses to
 * listen anywhere else without a token, and with `LOCAL_API_TOKEN` set answers
 * every request without the right bearer token with 401 problem+json, before
 * any routing, so an unauthenticated caller learns nothing (not even which
 * paths exist). Tests connect to 127.0.0.1 only, also when the server binds
 * 0.0.0.0.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerTokenMatches, isLoopbackHost, resolveListenSecurity } from "../../../src/local/server.js";
import { type LaunchedServer, launchLocalServer, runUntilExit } from "../../support/security/launch.js";

const TOKEN = "4f1c2d8e9a7b6c5d4e3f2a1b0c9d8e7f-local-test-token";
const ROOT = { name: "auth-root", key_algorithm: "EC-P256" };

/** A raw HTTP request to 127.0.0.1 with any Host and Origin (fetch would not let a test set Host). */
function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const url = new URL(baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port: url.port, method, path, headers: { "content-type": "application/json", ...headers } },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk) => (text += chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

function expectUnauthorized(response: { status: number; body: any; headers: Headers }): void {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer( |$)/);
  expect(response.body).toMatchObject({ type: expect.any(String), title: "Unauthorized", status: 401 });
  expect(response.body.detail).toEqual(expect.any(String));
}

/** The servers of this file, started at once: one without a token, and one with a token on each kind of address. */
const servers: Record<"open" | "0.0.0.0" | "127.0.0.1", LaunchedServer> = {} as never;
beforeAll(async () => {
  const [open, everywhere, loopback] = await Promise.all([
    launchLocalServer(),
    launchLocalServer({ HOST: "0.0.0.0", LOCAL_API_TOKEN: TOKEN }),
    launchLocalServer({ HOST: "127.0.0.1", LOCAL_API_TOKEN: TOKEN }),
  ]);
  Object.assign(servers, { open, "0.0.0.0": everywhere, "127.0.0.1": loopback });
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
});

describe.concurrent("local server: where it listens", () => {
  it.each([["0.0.0.0"], ["::"], ["192.0.2.10"]])(
    "refuses to start on %s without LOCAL_API_TOKEN, saying why and how to fix it",
    async (host) => {
      const result = await runUntilExit({ HOST: host });
      expect(result.listened).toBe(false);
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.output).toContain(`Refusing to listen on ${host}`);
      expect(result.output).toContain("LOCAL_API_TOKEN");
    },
  );

  it("treats a blank LOCAL_API_TOKEN as unset", async () => {
    const result = await runUntilExit({ HOST: "0.0.0.0", LOCAL_API_TOKEN: "   " });
    expect(result.listened).toBe(false);
    expect(result.code).toBe(1);
  });

  it("binds 127.0.0.1 by default and then needs no token", async () => {
    const server = servers.open;
    expect(server.announcedUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output()).toContain("no authentication (loopback only)");
    const created = await server.request("POST", "/certificates/root", { body: { ...ROOT, name: "open-root" } });
    expect(created.status).toBe(201);
  });

  it("decides loopback by address, not by name alone", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "example.com", "128.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(resolveListenSecurity({})).toMatchObject({ ok: true, host: "127.0.0.1", token: undefined });
    expect(resolveListenSecurity({ HOST: "0.0.0.0" })).toMatchObject({ ok: false });
    expect(resolveListenSecurity({ HOST: "0.0.0.0", LOCAL_API_TOKEN: TOKEN })).toMatchObject({
      ok: true,
      host: "0.0.0.0",
      token: TOKEN,
    });
  });
});

describe("bearer token comparison", () => {
  it("accepts exactly the token, with the Bearer scheme (any case)", () => {
    expect(bearerTokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerTokenMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer\t${TOKEN}`,
      "Bearer x",
      `Bearer ${"a".repeat(10_000)}`,
    ]) {
      // Different lengths must not throw (timingSafeEqual would on raw strings): digests are compared.
      expect(bearerTokenMatches(header, TOKEN), String(header).slice(0, 40)).toBe(false);
    }
  });
});

describe.each<["0.0.0.0" | "127.0.0.1", string]>([
  ["0.0.0.0", "all interfaces"],
  ["127.0.0.1", "loopback"],
])("local server with LOCAL_API_TOKEN on %s (%s)", (host) => {
  let server: LaunchedServer;
  beforeAll(() => {
    server = servers[host];
  });
  const auth = { authorization: `Bearer ${TOKEN}` };

  it("starts and says a bearer token is required", () => {
    expect(server.announcedUrl).toMatch(new RegExp(`^http://${host.replaceAll(".", "\\.")}:\\d+$`));
    expect(server.output()).toContain("bearer token required");
  });

  it("answers 401 problem+json to every route without a valid token, and changes nothing", async () => {
    const attempts: [string, string, Record<string, string>][] = [
      ["POST", "/certificates/root", {}],
      ["POST", "/certificates/root", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
      ["POST", "/certificates/root", { authorization: `Bearer ${TOKEN}0` }],
      ["POST", "/certificates/root", { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}` }],
      ["POST", "/certificates/root", { authorization: TOKEN }],
      ["POST", "/certificates/intermediate", {}],
      ["POST", "/certificates/server", {}],
      ["POST", "/certificates/device", {}],
      ["GET", "/certificates/root/auth-root", {}],
      ["GET", "/certificates/intermediate/auth-root", {}],
      // Unknown paths and wrong methods too: no route list for strangers.
      ["GET", "/no/such/route", {}],
      ["DELETE", "/certificates/root", {}],
    ];
    for (const [method, path, headers] of attempts) {
      const response = await server.request(method, path, {
        body: method === "POST" ? ROOT : undefined,
        headers,
      });
      expectUnauthorized(response);
    }
    // Nothing was created by the refused POSTs.
    const lookup = await server.request("GET", "/certificates/root/auth-root", { headers: auth });
    expect(lookup.status).toBe(404);
  });

  it("refuses an oversized body from a stranger with 401, not 413", async () => {
    const response = await server.request("POST", "/certificates/root", { body: "x".repeat(2 * 1024 * 1024) });
    expectUnauthorized(response);
  });

  it("serves every route to a caller with the token", async () => {
    const root = await server.request("POST", "/certificates/root", { body: ROOT, headers: auth });
    expect(root.status).toBe(201);
    const fetched = await server.request("GET", "/certificates/root/auth-root", { headers: auth });
    expect(fetched.status).toBe(200);
    expect(fetched.body.certificate).toBe(root.body.certificate);
    const again = await server.request("POST", "/certificates/root", { body: ROOT, headers: auth });
    expect(again.status).toBe(409);
    const unknown = await server.request("GET", "/no/such/route", { headers: auth });
    expect(unknown.status).toBe(404);
  });

  it("never prints the token", () => {
    expect(server.output()).not.toContain(TOKEN);
  });
});

describe("local server without a token keeps web pages out", () => {
  let server: LaunchedServer;
  beforeAll(() => {
    server = servers.open;
  });

  it("refuses DNS rebinding (a Host that is not a loopback name) and cross-site requests (a foreign Origin)", async () => {
    const port = new URL(server.baseUrl).port;
    const attacks: Record<string, string>[] = [
      { host: `attacker.example:${port}` },
      { host: `127.0.0.1.nip.example:${port}` },
      { host: `127.0.0.1:${port}`, origin: "https://attacker.example" },
      { host: `localhost:${port}`, origin: "null" },
      { host: `localhost:${port}`, origin: "http://10.0.0.5:8080" },
    ];
    for (const headers of attacks) {
      const response = await rawRequest(server.baseUrl, "POST", "/certificates/root", headers, ROOT);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.body).toMatchObject({ title: "Forbidden", status: 403 });
    }
    expect((await rawRequest(server.baseUrl, "GET", "/certificates/root/auth-root", {})).status).toBe(404);
  });

  it("serves curl-like callers and pages served from localhost itself", async () => {
    const port = new URL(server.baseUrl).port;
    const created = await rawRequest(server.baseUrl, "POST", "/certificates/root", { host: `localhost:${port}` }, ROOT);
    expect(created.status).toBe(201);
    const fromLocalPage = await rawRequest(server.baseUrl, "GET", "/certificates/root/auth-root", {
      host: `127.0.0.1:${port}`,
      origin: "http://localhost:5173",
    });
    expect(fromLocalPage.status).toBe(200);
  });
});
