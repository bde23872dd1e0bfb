/**
 * serveStaticFile: the portal's files with their types and security headers,
 * and nothing else. Every request it does not serve falls through to the
 * next handler (the API routes), including every attempt to leave the root.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentSecurityPolicy, serveStaticFile, staticRelativePath } from "../../../src/local/static-files.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the request target exactly as given (no client-side normalisation). */
function rawRequest(port: number, target: string, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, path: target, method }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

/** Calls serveStaticFile with a bare request object, for targets an HTTP client would refuse to send. */
async function direct(root: string, target: string, method = "GET"): Promise<{ served: boolean; body: string }> {
  let body = "";
  const response = {
    headersSent: false,
    writeHead() {
      return response;
    },
    end(chunk?: Buffer | string) {
      body += chunk?.toString() ?? "";
    },
  };
  const served = await serveStaticFile(
    { method, url: target } as IncomingMessage,
    response as unknown as ServerResponse,
    root,
  );
  return { served, body };
}

describe("serveStaticFile", () => {
  const parent = temporaryDirectory("iot-certs-static-");
  const root = join(parent.path, "portal");
  let server: Server;
  let port: number;

  beforeAll(async () => {
    mkdirSync(join(root, "assets"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>portal</title>");
    writeFileSync(join(root, "app.js"), "console.log('portal');");
    writeFileSync(join(root, "styles.css"), "body{}");
    writeFileSync(join(root, "assets", "logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    writeFileSync(join(root, "config.json"), JSON.stringify({ apiBaseUrl: "https://api.example.test/Prod" }));
    writeFileSync(join(root, ".env"), SECRET);
    writeFileSync(join(root, "notes.md"), SECRET);
    writeFileSync(join(parent.path, "secret.txt"), SECRET);
    writeFileSync(join(parent.path, "secret.js"), SECRET);
    symlinkSync(join(parent.path, "secret.js"), join(root, "escape.js"));
    symlinkSync(parent.path, join(root, "up"));
    server = createServer((request, response) => {
      serveStaticFile(request, response, root)
        .then((served) => {
          if (!served) {
            response.writeHead(404, { "Content-Type": "text/plain" });
            response.end("fell through to the API");
          }
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    parent.remove();
  });

  it("serves index.html at / with nosniff and a strict CSP naming the configured API", async () => {
    const answer = await rawRequest(port, "/");
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("<title>portal</title>");
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    const csp = String(answer.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://api.example.test;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect((await rawRequest(port, "/?utm=1")).body).toContain("<title>portal</title>");
    expect((await rawRequest(port, "/index.html")).status).toBe(200);
  });

  it("serves the portal's files with their content types; HEAD sends headers only", async () => {
    const script = await rawRequest(port, "/app.js");
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body).toBe("console.log('portal');");
    expect((await rawRequest(port, "/styles.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await rawRequest(port, "/assets/logo.svg")).headers["content-type"]).toBe("image/svg+xml");
    expect((await rawRequest(port, "/config.json")).headers["content-type"]).toBe("application/json; charset=utf-8");
    const head = await rawRequest(port, "/app.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String("console.log('portal');".length));
    expect(head.body).toBe("");
  });

  it("leaves other methods, API paths, missing files, directories and unknown types to the API", async () => {
    for (const [target, method] of [
      ["/", "POST"],
      ["/app.js", "PUT"],
      ["/index.html", "DELETE"],
      ["/certificates/root", "GET"],
      ["/certificates/root", "POST"],
      ["/openapi.json", "GET"],
      ["/missing.js", "GET"],
      ["/assets", "GET"],
      ["/assets/", "GET"],
      ["/notes.md", "GET"],
    ] as const) {
      const answer = await rawRequest(port, target, method);
      expect(answer.body, `${method} ${target}`).toBe("fell through to the API");
    }
  });

  it.each([
    "/../secret.txt",
    "/../secret.js",
    "/assets/../../secret.js",
    "/..%2fsecret.js",
    "/..%2Fsecret.js",
    "/%2e%2e/secret.js",
    "/%2E%2E/secret.js",
    "/%2e%2e%2fsecret.js",
    "/assets/%2e%2e/%2e%2e/secret.js",
    "/..\\secret.js",
    "/%5c..%5csecret.js",
    "/..%5csecret.js",
    "/%252e%252e/secret.js",
    "//secret.js",
    `/${"../".repeat(12)}etc/passwd`,
    "/./app.js",
    "/.env",
    "/%2eenv",
    "/escape.js",
    "/up/secret.js",
    "/app.js%00.html",
    "/%00",
    "/%E0%A4%A",
    "http://127.0.0.1/app.js",
  ])("refuses %s", async (target) => {
    const answer = await rawRequest(port, target);
    expect(answer.body).not.toContain(SECRET);
    expect(answer.status).toBe(404);
    expect(answer.body).toBe("fell through to the API");
  });

  it("refuses NUL, backslashes and control characters a client would not even send", async () => {
    for (const target of ["/app.js\0", "/\0/app.js", "/..\\..\\secret.js", "/app\u0001.js", "/app.js\u007f"]) {
      const answer = await direct(root, target);
      expect(answer, JSON.stringify(target)).toEqual({ served: false, body: "" });
    }
    expect(await direct(root, "/app.js")).toEqual({ served: true, body: "console.log('portal');" });
  });

  it("maps request targets to relative paths only when they are plain", () => {
    expect(staticRelativePath("/")).toBe("index.html");
    expect(staticRelativePath("/assets/logo.svg?v=1#top")).toBe("assets/logo.svg");
    expect(staticRelativePath("/my%20file.js")).toBe("my file.js");
    for (const target of ["", "app.js", "/../x", "/a/../x", "/a/./x", "/a//x", "/.git/config", "/%2e/x", "/x%2fy"]) {
      expect(staticRelativePath(target), target).toBeUndefined();
    }
  });

  it("keeps connect-src to this origin without a usable apiBaseUrl", () => {
    expect(contentSecurityPolicy()).toContain("connect-src 'self';");
    expect(contentSecurityPolicy("https://api.example.test")).toContain("connect-src 'self' https://api.example.test;");
  });
});
