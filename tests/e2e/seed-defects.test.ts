/**
 * Each test proves that one defect of the Python seed is absent, over HTTP
 * against the local server (the dist bundles, as `npm start` runs them) on a
 * local store whose bytes are compared before and after:
 *
 * - a CA could be overwritten (its key replaced, every issued chain orphaned);
 * - re-issuing a server certificate overwrote the earlier one;
 * - `fqdn` went unchecked into storage paths;
 * - bad input gave 5xx/stack traces instead of clear 400s;
 * - responses could carry a CA private key.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../support/local-api.js";

type Reply = { status: number; body: any; headers: Headers };

let api: LocalApi;
/** Every response of this file, to check the cross-cutting rules at the end. */
const replies: { route: string; reply: Reply }[] = [];

async function post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply> {
  const reply = await api.post(path, body, headers);
  replies.push({ route: `POST ${path}`, reply });
  return reply;
}

async function get(path: string, headers?: Record<string, string>): Promise<Reply> {
  const reply = await api.get(path, headers);
  replies.push({ route: `GET ${path}`, reply });
  return reply;
}

/** Every file (path → sha256) and directory under the store: "byte for byte" made comparable. */
function snapshotStore(): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const key = relative(api.storeDirectory, path);
      if (entry.isDirectory()) {
        entries[`${key}/`] = "dir";
        walk(path);
      } else {
        entries[key] = createHash("sha256").update(readFileSync(path)).digest("hex");
      }
    }
  };
  walk(api.storeDirectory);
  return entries;
}

function expectProblem(reply: Reply, status: number, field?: string): any {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  if (field !== undefined) {
    expect(reply.body.field).toBe(field);
    expect(reply.body.detail).toContain(field);
  }
  return reply.body;
}

const EC = { key_algorithm: "EC-P256" } as const;

beforeAll(async () => {
  api = await startLocalApi();
  // The PKI every test builds on.
  expect((await post("/certificates/root", { ...EC, fqdn: "Seed Defects Root CA", organization: "Acme" })).status).toBe(
    201,
  );
  for (const name of ["servers", "devices"]) {
    expect((await post("/certificates/intermediate", { ...EC, name })).status).toBe(201);
  }
});

afterAll(async () => {
  await api?.stop();
});

describe("seed defect: a CA could be overwritten", () => {
  it.each([
    ["/certificates/root", { ...EC }],
    ["/certificates/root", { name: "default", key_algorithm: "EC-P384", fqdn: "Evil Root" }],
    ["/certificates/intermediate", { ...EC, name: "servers" }],
    ["/certificates/intermediate", { name: "devices", key_algorithm: "EC-P384", issuer: "default" }],
  ])("POST %s %j → 409, stored bytes unchanged", async (route, body) => {
    const before = snapshotStore();
    const problem = expectProblem(await post(route, body), 409, "name");
    expect(problem.detail).toContain("already exists");
    expect(snapshotStore()).toEqual(before);
  });
});

describe("seed defect: re-issuing a server certificate overwrote the earlier one", () => {
  it("keeps both, each in its own serial folder, the first byte-for-byte intact", async () => {
    const fqdn = "reissue.dev.example.com";
    const first = await post("/certificates/server", { ...EC, fqdn, issuer: "servers" });
    expect(first.status).toBe(201);
    const firstFolder = `server_certificates/${fqdn}/${first.body.serial_number}`;
    const firstFiles = Object.entries(snapshotStore()).filter(
      ([key]) => key.startsWith(`${firstFolder}/`) && !key.endsWith("/"),
    );
    expect(firstFiles.map(([key]) => key).sort()).toEqual(
      ["certificate.json", "certificate.pem", "certificate_chain.pem", "private_key.pem"].map(
        (file) => `${firstFolder}/${file}`,
      ),
    );

    const second = await post("/certificates/server", { ...EC, fqdn, issuer: "servers" });
    expect(second.status).toBe(201);
    expect(second.body.serial_number).not.toBe(first.body.serial_number);

    const after = snapshotStore();
    const serialFolders = readdirSync(join(api.storeDirectory, "server_certificates", fqdn)).sort();
    expect(serialFolders).toEqual([first.body.serial_number, second.body.serial_number].sort());
    for (const [key, hash] of firstFiles) expect(after[key]).toBe(hash);
    const read = (serial: string, file: string) =>
      readFileSync(join(api.storeDirectory, "server_certificates", fqdn, serial, file), "utf8");
    expect(read(first.body.serial_number, "certificate.pem")).toBe(first.body.certificate);
    expect(read(first.body.serial_number, "private_key.pem")).toBe(first.body.private_key);
    expect(read(second.body.serial_number, "certificate.pem")).toBe(second.body.certificate);
    expect(read(second.body.serial_number, "private_key.pem")).toBe(second.body.private_key);
  });
});

describe("seed defect: fqdn went unchecked into storage paths", () => {
  const hostile: [string, unknown][] = [
    ["traversal", "../../etc"],
    ["traversal to a CA", "../root_ca/default"],
    ["a slash", "a/b"],
    ["URL-encoded dots", "%2e%2e"],
    ["URL-encoded traversal", "%2e%2e%2f%2e%2e%2fetc"],
    ["a backslash", "..\\..\\windows"],
    ["a NUL byte", "broker\u0000.example.com"],
    ["a unicode look-alike", "ｅxample.com"],
    ["an absolute path", "/etc/passwd"],
    ["a very long name", `${"a".repeat(63)}.`.repeat(5)],
    ["a CN-length overflow", `${"a".repeat(60)}.example.com`],
    ["a dot", "."],
    ["an empty string", ""],
    ["a number", 42],
    ["null", null],
    ["an array", ["a.example.com"]],
  ];

  it.each(hostile)("%s → 400 naming fqdn, store byte-for-byte unchanged", async (_, fqdn) => {
    const before = snapshotStore();
    expectProblem(await post("/certificates/server", { ...EC, fqdn, issuer: "servers" }), 400, "fqdn");
    expect(snapshotStore()).toEqual(before);
  });

  it.each([
    ["/certificates/intermediate", "name", "../../etc"],
    ["/certificates/intermediate", "name", "a/b"],
    ["/certificates/root", "name", "%2e%2e"],
    ["/certificates/device", "device_id", "../../etc"],
    ["/certificates/device", "device_id", "a\\b"],
    ["/certificates/device", "issuer", "../servers"],
  ])("POST %s with a hostile %s → 400 naming it, store unchanged", async (route, field, value) => {
    const before = snapshotStore();
    expectProblem(await post(route, { ...EC, [field]: value }), 400, field);
    expect(snapshotStore()).toEqual(before);
  });

  it.each(["..%2f..%2fetc", "%2e%2e%2fetc", "%2F", "a%00b", "%5c..%5c", "Default"])(
    "GET /certificates/root/%s → 400 naming name",
    async (name) => {
      expectProblem(await get(`/certificates/root/${name}`), 400, "name");
    },
  );

  it.each(["..", "%2e%2e", "../../etc/passwd"])(
    "GET /certificates/root/%s (normalised by the URL) → 404",
    async (name) => {
      expectProblem(await get(`/certificates/root/${name}`), 404);
    },
  );
});

describe("seed defect: bad input was not answered with a clear 4xx", () => {
  it("a missing required field → 400 naming it", async () => {
    const problem = expectProblem(await post("/certificates/server", { ...EC, issuer: "servers" }), 400, "fqdn");
    expect(problem.detail).toBe("fqdn is required");
  });

  it.each(["/certificates/root", "/certificates/intermediate", "/certificates/server", "/certificates/device"])(
    "an unknown field on %s → 400 naming it",
    async (route) => {
      const body =
        route === "/certificates/server" ? { ...EC, fqdn: "x.example.com", isCA: true } : { ...EC, isCA: true };
      const problem = expectProblem(await post(route, body), 400, "isCA");
      expect(problem.detail).toContain("unknown field");
    },
  );

  it.each(["/certificates/root", "/certificates/intermediate", "/certificates/server", "/certificates/device"])(
    "malformed JSON on %s → 400",
    async (route) => {
      for (const body of ['{"fqdn": ', "{'fqdn': 'a'}", "not json", '{"fqdn":"a.example.com",}']) {
        const problem = expectProblem(await post(route, body), 400);
        expect(problem.title).toBe("Malformed JSON");
      }
    },
  );

  it("a JSON body that is not an object → 400", async () => {
    for (const body of ["[]", '"text"', "42", "null"]) {
      expectProblem(await post("/certificates/device", body), 400);
    }
  });

  it("a body over 64 KiB → 413, store unchanged", async () => {
    const before = snapshotStore();
    const padding = "a".repeat(65 * 1024);
    expectProblem(await post("/certificates/server", { ...EC, fqdn: "big.example.com", organization: padding }), 413);
    expectProblem(await post("/certificates/root", `{"name":"big","x":"${padding}"}`), 413);
    expect(snapshotStore()).toEqual(before);
  });
});

describe("seed defect: responses could carry a CA private key", () => {
  it("no CA response or GET carries a private key", async () => {
    const root = await post("/certificates/root", { ...EC, name: "keys-root" });
    const intermediate = await post("/certificates/intermediate", { ...EC, name: "keys-int", issuer: "keys-root" });
    expect([root.status, intermediate.status]).toEqual([201, 201]);
    for (const ca of [root, intermediate]) {
      expect(ca.body.private_key).toBeUndefined();
      expect(JSON.stringify(ca.body)).not.toContain("PRIVATE KEY");
    }
    for (const path of [
      "/certificates/root/default",
      "/certificates/root/keys-root",
      "/certificates/intermediate/keys-int",
    ]) {
      const json = await get(path);
      expect(json.status).toBe(200);
      expect(json.body.private_key).toBeUndefined();
      expect(JSON.stringify(json.body)).not.toContain("PRIVATE KEY");
      const pem = await get(path, { accept: "application/x-pem-file" });
      expect(pem.status).toBe(200);
      expect(String(pem.body)).not.toContain("PRIVATE KEY");
    }
  });
});

describe("across every response of this file", () => {
  it("no CA private key appears in any response", () => {
    const caKeys: string[] = [];
    for (const prefix of ["root_ca", "intermediate_ca"]) {
      for (const key of Object.keys(snapshotStore())) {
        if (key.startsWith(`${prefix}/`) && key.endsWith("/private_key.pem")) {
          const pem = readFileSync(join(api.storeDirectory, key), "utf8");
          caKeys.push(...pem.split("\n").filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)));
        }
      }
    }
    expect(caKeys.length).toBeGreaterThanOrEqual(5 * 2);
    for (const { route, reply } of replies) {
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      for (const line of caKeys) expect(text.includes(line), `${route} leaks a CA key`).toBe(false);
    }
  });

  it("every error is problem+json with type, title, status and detail, and none is a 5xx", () => {
    expect(replies.length).toBeGreaterThan(50);
    for (const { route, reply } of replies) {
      expect(reply.status, route).toBeLessThan(500);
      if (reply.status < 400) continue;
      expect(reply.headers.get("content-type"), route).toBe("application/problem+json");
      expect(Object.keys(reply.body), route).toEqual(expect.arrayContaining(["type", "title", "status", "detail"]));
      expect(reply.body.status, route).toBe(reply.status);
      expect(JSON.stringify(reply.body), route).not.toMatch(/\bat \S+ \(|node_modules|\.m?[jt]s:\d+/);
    }
    expect(api.output()).not.toContain('"level":"ERROR"');
  });
});

// Last: it is about the connection itself, so it runs after every other request of this file.
describe("a body over the local server's 1 MiB limit", () => {
  it("→ 413, and the client's next requests still work", async () => {
    expectProblem(await post("/certificates/device", "x".repeat(2 * 1024 * 1024)), 413);
    for (let i = 0; i < 3; i++) expect((await get("/certificates/root/default")).status).toBe(200);
  });
});
