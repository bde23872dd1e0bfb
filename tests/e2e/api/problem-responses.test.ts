/**
 * Issue 15, item 2: every error the local server gives is
 * `application/problem+json` with a `detail` that says what was wrong,
 * whichever layer refuses the request: the handlers (validation, malformed
 * JSON, a next_token the API never returned), the local server's router
 * (no route, wrong method, oversize body, a target that is not a path), and
 * Node's HTTP parser itself (raw non-ASCII in the URL, a broken header, a
 * header block too large), which on its own answers a bare 400 with an
 * empty body. Requests Node cannot parse are sent as raw bytes over a socket.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi();
});

afterAll(async () => {
  await api?.stop();
});

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` as raw bytes to the local server and reads the reply until the server closes the connection. */
function rawRequest(request: string | Buffer): Promise<RawReply> {
  const { port } = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close: ${JSON.stringify(Buffer.concat(chunks).toString("utf8"))}`));
    }, 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      let body = text.slice(end + 4);
      if (headers["transfer-encoding"] === "chunked")
        body = body.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n/gi, "").replace(/\r\n$/, "");
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
  });
}

function expectRawProblem(reply: RawReply, status: number): any {
  expect(reply.status).toBe(status);
  expect(reply.headers["content-type"]).toBe("application/problem+json");
  const body = JSON.parse(reply.body);
  expect(body).toMatchObject({ type: expect.stringMatching(/^urn:iot-certificates:problem:/), status });
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail.length).toBeGreaterThan(10);
  return body;
}

function expectProblem(reply: { status: number; body: any; headers: Headers }, status: number): any {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.body).toMatchObject({ type: expect.stringMatching(/^urn:iot-certificates:problem:/), status });
  expect(reply.body.detail.length).toBeGreaterThan(10);
  return reply.body;
}

describe("errors of the handlers", () => {
  it("a next_token the API never returned → 400 naming next_token (base64 of something else, and not base64)", async () => {
    const notOurs = Buffer.from(JSON.stringify({ after: "../../etc" })).toString("base64url");
    for (const token of ["eyJ", notOurs, "%E2%80%A6", "eyJhZnRlciI6ImludmVudG9yeS9yb290L2RlZmF1bHQifQ"]) {
      const problem = expectProblem(await api.get(`/certificates/device?next_token=${token}`), 400);
      expect(problem.field).toBe("next_token");
      expect(problem.detail).toMatch(/next_token/);
    }
  });

  it("malformed JSON → 400 Malformed JSON", async () => {
    const problem = expectProblem(await api.post("/certificates/root", '{"name": "x",'), 400);
    expect(problem.title).toBe("Malformed JSON");
  });

  it("a body over the handlers' 64 KiB → 413", async () => {
    const problem = expectProblem(
      await api.post("/certificates/root", { name: "big", organization: "x".repeat(70 * 1024) }),
      413,
    );
    expect(problem.detail).toMatch(/at most 65536 bytes/);
  });

  it("an invalid path parameter → 400 naming it", async () => {
    const problem = expectProblem(await api.get("/certificates/device/not-a-serial"), 400);
    expect(problem.field).toBe("serial_number");
  });
});

describe("errors of the local server's router", () => {
  it("no route → 404", async () => {
    const problem = expectProblem(await api.get("/certificates/nothing-here"), 404);
    expect(problem.detail).toBe("no route GET /certificates/nothing-here");
  });

  it("a method the path does not have → 405 with Allow", async () => {
    const reply = await fetch(`${api.baseUrl}/certificates/root`, { method: "DELETE" });
    expect(reply.headers.get("allow")).toBe("POST, GET");
    const problem = expectProblem({ status: reply.status, headers: reply.headers, body: await reply.json() }, 405);
    expect(problem.detail).toMatch(/DELETE is not allowed on \/certificates\/root/);
  });

  it("a request target that is not a path → 400; one that only looks like a host name is routed as a path", async () => {
    const star = expectRawProblem(
      await rawRequest("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
      400,
    );
    expect(star.detail).toMatch(/must be a path/);
    // `//[x` made `new URL(target, base)` throw in the access log, which ended the server.
    const bracket = expectRawProblem(
      await rawRequest("GET //[x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
      404,
    );
    expect(bracket.detail).toBe("no route GET //[x");
  });

  it("a body over the local server's 1 MiB → 413", async () => {
    expectProblem(await api.post("/certificates/device", "x".repeat(2 * 1024 * 1024)), 413);
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it("a raw (not percent-encoded) character outside ASCII in the URL, e.g. a pasted 'eyJ…' → 400 that says to percent-encode", async () => {
    const reply = await rawRequest(
      Buffer.from("GET /certificates/device?next_token=eyJ… HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    const problem = expectRawProblem(reply, 400);
    expect(problem.detail).toMatch(/percent-encode/);
    expect(reply.headers.connection).toBe("close");
  });

  it("a header line without a colon → 400", async () => {
    const problem = expectRawProblem(
      await rawRequest("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n"),
      400,
    );
    expect(problem.detail).toMatch(/not valid HTTP\/1\.1 \(Invalid header token\)/);
  });

  it("a broken chunked body → 400 (the request had reached the router)", async () => {
    const problem = expectRawProblem(
      await rawRequest(
        "POST /certificates/root HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      ),
      400,
    );
    expect(problem.detail).toMatch(/chunk size/);
  });

  it("headers over Node's limit → 431", async () => {
    const reply = await rawRequest(
      `GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expectRawProblem(reply, 431);
  });

  it("not HTTP at all → 400", async () => {
    expectRawProblem(await rawRequest("HELLO\r\n\r\n"), 400);
  });
});

describe("after all of it", () => {
  it("the server still answers, and logged no error for what clients got wrong", async () => {
    expect((await api.get("/openapi.json")).status).toBe(200);
    expect(api.output()).not.toContain('"level":"ERROR"');
  });
});
