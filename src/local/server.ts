/**
 * The local API, like `sam local start-api` without Docker: reads the routes
 * from template.yaml, loads each function's bundle from `dist/`, and turns
 * HTTP requests into API Gateway (REST, proxy) events for the same handler
 * code that runs in Lambda.
 *
 * Environment: `PORT` (default 3000), `HOST` (default 127.0.0.1), plus the
 * storage settings of the composition root (local store by default), and:
 *
 * - `LOCAL_API_TOKEN`: when set, every request must carry
 *   `Authorization: Bearer <token>` (401 otherwise). Required whenever `HOST`
 *   is not a loopback address: the server refuses to start without it, since
 *   anyone who reaches the port could otherwise create CAs and get keys.
 * - `LOG_LEVEL`: DEBUG, INFO (default: one access-log line per request), WARN, ERROR.
 * - `KEY_POOL_SIZE`: RSA leaf keys kept ready per RSA size (default 4, 0 = off).
 * - `LOCAL_SCHEDULES`: `off` stops the template's scheduled functions (the
 *   expiry scan) from running here; by default each runs once at start and
 *   then at its schedule's rate (daily).
 *
 * Standard output is written in batches, at most every 50 ms (see
 * `batchStandardOutput`); standard error (warnings, errors) is not delayed.
 */
import { Console } from "node:console";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { realpathSync, writeSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import { isIP, type Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { checkConfiguredStorage, describeConfiguration, keyPoolSize, readConfiguration } from "../composition-root.js";
import { logError, logInfo, withLogContext } from "../http/log.js";
import { problem } from "../http/problem.js";
import { bundlePath, readFunctions } from "./sam-template.js";
import { loadScheduledFunctions, startSchedules } from "./scheduled-functions.js";
import { serveStaticFile } from "./static-files.js";

/** RSA leaf keys the local server keeps ready per RSA size when KEY_POOL_SIZE is not set. */
const DEFAULT_LOCAL_KEY_POOL_SIZE = 4;

/** Bodies larger than this are refused before they reach a handler (which has its own, smaller limit). */
const MAX_REQUEST_BYTES = 1024 * 1024;

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

interface LoadedRoute {
  method: string;
  resource: string;
  pattern: RegExp;
  parameterNames: string[];
  handler: Handler;
}

export interface LocalServerOptions {
  templatePath: string;
  /** Directory holding the function bundles (`npm run build` output). */
  bundleDirectory: string;
}

export interface LocalServerSecurity {
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Directory of static files served at `/` (the portal), before the token check: they hold no secret. */
  staticRoot?: string | undefined;
}

/** Default address: loopback only, so nothing off this machine can call the API. */
export const DEFAULT_HOST = "127.0.0.1";

/** Tokens shorter than this are accepted, with a warning at start-up. */
const RECOMMENDED_TOKEN_LENGTH = 16;

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const ipv4 = name.startsWith("::ffff:") ? name.slice("::ffff:".length) : name;
  if (isIP(ipv4) === 4) return ipv4.split(".")[0] === "127";
  if (isIP(name) === 6) return /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(name);
  return false;
}

/**
 * Decides how the server may start: the host to bind and the token to demand,
 * or why it must not start (a non-loopback host without a token).
 */
export function resolveListenSecurity(
  env: NodeJS.ProcessEnv,
): { ok: true; host: string; token: string | undefined; warnings: string[] } | { ok: false; reason: string } {
  const host = env.HOST?.trim() || DEFAULT_HOST;
  const token = env.LOCAL_API_TOKEN?.trim() || undefined;
  if (!isLoopbackHost(host) && token === undefined) {
    return {
      ok: false,
      reason:
        `Refusing to listen on ${host}: it is not a loopback address and LOCAL_API_TOKEN is not set, ` +
        "so anyone who can reach this port could create CAs and obtain certificates and private keys. " +
        "Either set LOCAL_API_TOKEN to a long random secret (e.g. LOCAL_API_TOKEN=$(openssl rand -hex 32)) " +
        `and send "Authorization: Bearer <token>" with every request, or leave HOST unset to listen on ${DEFAULT_HOST} only.`,
    };
  }
  const warnings: string[] = [];
  if (token !== undefined && token.length < RECOMMENDED_TOKEN_LENGTH) {
    warnings.push(
      `LOCAL_API_TOKEN is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters; use a long random secret (openssl rand -hex 32)`,
    );
  }
  if (token !== undefined && !isLoopbackHost(host)) {
    warnings.push("the API is served over plain HTTP: the bearer token can be read by anyone on the network path");
  }
  return { ok: true, host, token, warnings };
}

/**
 * Without a token, loopback is the only protection, and a browser on this
 * machine is on loopback too. Two browser attacks are refused here:
 * DNS rebinding (a page whose host name resolves to 127.0.0.1 reads the
 * responses, private keys included), caught by a Host header that is not a
 * loopback name; and cross-site requests (a page POSTs to 127.0.0.1 to create
 * CAs), caught by an Origin header that is not a loopback origin. curl and
 * SDKs send a loopback Host and no Origin, so they are unaffected.
 */
export function browserRequestRefusal(request: Pick<IncomingMessage, "headers">): string | undefined {
  const host = request.headers.host;
  if (host !== undefined && !isLoopbackHost(hostnameOf(host))) {
    return `the Host header '${host.slice(0, 100)}' is not a loopback name; without LOCAL_API_TOKEN this server answers only requests addressed to localhost or 127.0.0.1`;
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).hostname;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || !isLoopbackHost(originHost)) {
      return "cross-origin requests from web pages are refused; call the API from curl, a script or an SDK";
    }
  }
  return undefined;
}

function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return hostHeader;
  }
}

/** Checks `Authorization: Bearer <token>` in constant time (SHA-256 digests compared with timingSafeEqual). */
export function bearerTokenMatches(authorization: string | undefined, expectedToken: string): boolean {
  const presented = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization ?? "")?.[1];
  if (presented === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expectedToken));
}

/** Loads every route of the template with its handler. */
export async function loadRoutes(options: LocalServerOptions): Promise<LoadedRoute[]> {
  const routes: LoadedRoute[] = [];
  for (const fn of readFunctions(options.templatePath)) {
    const [, exportName = "handler"] = /\.([^.]+)$/.exec(fn.handler) ?? [];
    const module = (await import(pathToFileURL(join(options.bundleDirectory, bundlePath(fn))).href)) as Record<
      string,
      Handler
    >;
    const handler = module[exportName];
    if (typeof handler !== "function") throw new Error(`${fn.logicalId}: ${fn.handler} is not a function`);
    for (const route of fn.routes) {
      const parameterNames: string[] = [];
      const source = route.path
        .split("/")
        .map((segment) => {
          const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
          if (!parameter?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          parameterNames.push(parameter[1]);
          return "([^/]+)";
        })
        .join("/");
      routes.push({
        method: route.method,
        resource: route.path,
        pattern: new RegExp(`^${source}$`),
        parameterNames,
        handler,
      });
    }
  }
  return routes;
}

/** Creates the HTTP server (not yet listening). */
export function createLocalServer(routes: LoadedRoute[], security: LocalServerSecurity = {}): Server {
  /** The response being written on each connection, so a parse error never corrupts one already under way. */
  const inFlight = new WeakMap<Socket, ServerResponse>();
  const server = createServer((request, response) => {
    const requestId = randomUUID();
    const started = performance.now();
    inFlight.set(request.socket, response);
    response.once("finish", () => {
      inFlight.delete(request.socket);
      logInfo("request", {
        method: request.method,
        // The path only: query strings are never logged.
        path: requestUrl(request.url)?.pathname ?? "(not a path)",
        status: response.statusCode,
        duration_ms: Math.round(performance.now() - started),
        requestId,
      });
    });
    withLogContext({ requestId }, () => handle(routes, security, requestId, request, response)).catch(
      (error: unknown) => {
        // A client that hangs up mid-request (or whose body Node could not parse) is not a server failure.
        if (request.socket.destroyed) {
          withLogContext({ requestId }, () => logInfo("connection closed before the response", {}));
          return;
        }
        withLogContext({ requestId }, () => logError("local server error", error));
        if (!response.headersSent) sendProblem(response, 500, "Internal server error", "the local server failed");
        else response.end();
      },
    );
  });
  // Keep idle connections open longer than clients do (undici, curl and browsers reuse a
  // connection for about 4-5 s), so that a client never sends a request on a socket the
  // server is closing at that moment: Node's default of 5 s raced with fetch's reuse
  // ("other side closed") when the client's event loop was busy between two requests.
  server.keepAliveTimeout = 65_000;
  // Node answers a request it cannot parse with a bare 400 (or 408, 431) and no body; answer problem+json instead.
  server.on("clientError", (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable || inFlight.get(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, title, detail] = clientErrorProblem(error);
    logInfo("request", { status, error: error.code });
    const body = JSON.stringify(problem(status, title, detail));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/** Status, title and detail for a request Node's HTTP parser refused (before any route saw it). */
export function clientErrorProblem(error: {
  code?: string | undefined;
  reason?: string | undefined;
}): [number, string, string] {
  const reason = error.reason ?? error.code ?? "unreadable request";
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return [431, "Request header fields too large", "the request headers are larger than this server accepts"];
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return [408, "Request timeout", "the request was not received in time"];
    case "HPE_INVALID_URL":
      return [
        400,
        "Malformed request",
        `the URL is not valid HTTP (${reason}): percent-encode spaces and characters outside ASCII, e.g. with encodeURIComponent`,
      ];
    default:
      return [400, "Malformed request", `the request is not valid HTTP/1.1 (${reason})`];
  }
}

/**
 * The URL of a request target, or undefined when it is not one. Origin-form
 * targets (`/path?query`) are read as paths, so `//name/x` stays a path and
 * is not taken for a host name.
 */
export function requestUrl(target: string | undefined): URL | undefined {
  try {
    const value = target ?? "/";
    if (value.startsWith("/")) return new URL(`http://localhost${value}`);
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

async function handle(
  routes: LoadedRoute[],
  security: LocalServerSecurity,
  requestId: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = (request.method ?? "GET").toUpperCase();
  const url = requestUrl(request.url);
  if (url === undefined) {
    request.resume();
    sendProblem(response, 400, "Malformed request", "the request target must be a path such as /certificates/root");
    return;
  }
  if (security.staticRoot !== undefined && (await serveStaticFile(request, response, security.staticRoot))) return;
  // Before routing, so an unauthenticated caller learns nothing, not even which paths exist.
  if (security.token !== undefined && !bearerTokenMatches(request.headers.authorization, security.token)) {
    const presented = request.headers.authorization !== undefined;
    request.resume();
    sendProblem(
      response,
      401,
      "Unauthorized",
      presented
        ? "the bearer token is not valid for this server"
        : 'this server requires "Authorization: Bearer <LOCAL_API_TOKEN>"',
      {
        "WWW-Authenticate": presented
          ? 'Bearer realm="iot-certificates-local", error="invalid_token"'
          : 'Bearer realm="iot-certificates-local"',
      },
    );
    return;
  }
  // Without a token the server trusts "this machine": keep web pages out (see browserRequestRefusal).
  const refusal = security.token === undefined ? browserRequestRefusal(request) : undefined;
  if (refusal !== undefined) {
    request.resume();
    sendProblem(response, 403, "Forbidden", refusal);
    return;
  }
  const matches = routes
    .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
    .filter((candidate) => candidate.match !== null);
  const found = matches.find(({ route }) => route.method === method);
  if (!found?.match) {
    if (matches.length > 0) {
      const allowed = [...new Set(matches.map(({ route }) => route.method))].join(", ");
      sendProblem(response, 405, "Method not allowed", `${method} is not allowed on ${url.pathname}; use ${allowed}`, {
        Allow: allowed,
      });
    } else {
      sendProblem(response, 404, "Not found", `no route ${method} ${url.pathname}`);
    }
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    // The rest of the body is unread: close the connection so a keep-alive client does not reuse it.
    sendProblem(response, 413, "Content too large", `the request body must be at most ${MAX_REQUEST_BYTES} bytes`, {
      Connection: "close",
    });
    return;
  }
  const pathParameters = Object.fromEntries(
    found.route.parameterNames.map((name, index) => [name, found.match?.[index + 1] ?? ""]),
  );
  const event = toProxyEvent(request, url, method, found.route.resource, pathParameters, body, requestId);
  // The local token is for this server only: the handlers never see it.
  if (security.token !== undefined) {
    delete event.headers.authorization;
    delete event.multiValueHeaders.authorization;
  }
  const result = await found.route.handler(event);
  response.writeHead(result.statusCode, { ...stringHeaders(result.headers) });
  response.end(result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body);
}

function toProxyEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  resource: string,
  pathParameters: Record<string, string>,
  body: string,
  requestId: string,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values.join(",");
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: body === "" ? null : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      authorizer: null,
      protocol: `HTTP/${request.httpVersion}`,
      httpMethod: method,
      identity: {
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: request.headers["user-agent"] ?? null,
      },
      path: `/local${url.pathname}`,
      stage: "local",
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: "local",
      resourcePath: resource,
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function stringHeaders(headers: APIGatewayProxyResult["headers"]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));
}

function sendProblem(
  response: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "Content-Type": "application/problem+json", ...headers });
  response.end(JSON.stringify(problem(status, title, detail)));
}

/** How long after the start the scheduled functions first run. */
const SCHEDULES_START_DELAY_MS = 1_000;

/** How long a line written to standard output may wait to be written with the lines after it. */
const STANDARD_OUTPUT_DELAY_MS = 50;

/**
 * Makes `console.log` (the access log: one line per request) write to
 * standard output at most once every STANDARD_OUTPUT_DELAY_MS, in order. On
 * Linux a write to a pipe is synchronous, one system call per line that also
 * wakes the reader: ~10% of the server's CPU per request under load. Lines
 * still pending are written when the process exits; `console.error` and
 * `console.warn` are written at once.
 */
export function batchStandardOutput(): void {
  const pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending.length = 0;
    process.stdout.write(text);
  };
  const stdout = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      pending.push(String(chunk));
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, STANDARD_OUTPUT_DELAY_MS).unref();
      }
      callback();
    },
  });
  globalThis.console = new Console({ stdout, stderr: process.stderr });
  process.once("exit", () => {
    if (pending.length === 0) return;
    try {
      writeSync(1, pending.join(""));
    } catch {
      // standard output is gone: nothing more can be done
    }
  });
}

async function main(): Promise<void> {
  batchStandardOutput();
  const security = resolveListenSecurity(process.env);
  if (!security.ok) {
    console.error(security.reason);
    process.exitCode = 1;
    return;
  }
  // Long-running, so RSA leaf keys are made ahead unless KEY_POOL_SIZE says otherwise (core/key-pool.ts).
  process.env.KEY_POOL_SIZE ??= String(DEFAULT_LOCAL_KEY_POOL_SIZE);
  let poolSize: number;
  try {
    poolSize = keyPoolSize(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
    return;
  }
  try {
    // A missing bucket, credentials or region would otherwise fail every request: refuse to start, saying what to do.
    await checkConfiguredStorage();
  } catch (error) {
    console.error(`not starting: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const routes = await loadRoutes({
    templatePath: join(projectRoot, "template.yaml"),
    bundleDirectory: join(projectRoot, "dist"),
  });
  const scheduled =
    process.env.LOCAL_SCHEDULES?.trim().toLowerCase() === "off"
      ? []
      : await loadScheduledFunctions({
          templatePath: join(projectRoot, "template.yaml"),
          bundleDirectory: join(projectRoot, "dist"),
        });
  let stopSchedules: () => void = () => undefined;
  const { host, token } = security;
  const port = Number(process.env.PORT ?? 3000);
  const server = createLocalServer(routes, { token, staticRoot: join(projectRoot, "dist", "portal") });
  server.listen(port, host, () => {
    const address = server.address();
    const actualPort = typeof address === "object" && address ? address.port : port;
    const urlHost = isIP(host) === 6 ? `[${host}]` : host;
    const auth = token === undefined ? "no authentication (loopback only)" : "bearer token required";
    const pool = poolSize === 0 ? "no key pool" : `${poolSize} RSA leaf keys kept ready per size`;
    console.log(
      `IoT certificates API listening on http://${urlHost}:${actualPort} using ${describeConfiguration(readConfiguration())}; ${auth}; ${pool}`,
    );
    for (const route of routes) console.log(`  ${route.method.padEnd(5)} ${route.resource}`);
    for (const warning of security.warnings) console.error(`warning: ${warning}`);
    // The expiry scan runs a second after the start (the banner is written by then, before anything the
    // scan's first AWS call may print on stderr) and then daily; its own log line says what it found.
    stopSchedules = startSchedules(
      scheduled,
      (fn, error) => logError(`scheduled function ${fn.logicalId} failed`, error),
      { firstRunDelayMs: SCHEDULES_START_DELAY_MS },
    );
  });
  // Finish the requests in flight, drop idle keep-alive connections (a browser holds some), and do not wait longer than 5 s.
  const stop = () => {
    stopSchedules();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// Node gives the module its real path: compare real paths, or started through a symlink the server would exit silently.
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === fileURLToPath(import.meta.url)) {
  await main();
}
