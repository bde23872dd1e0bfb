/**
 * The local API, like `sam local start-api` without Docker: reads the routes
 * from template.yaml, loads each function's bundle from `dist/`, and turns
 * HTTP requests into API Gateway (REST, proxy) events for the same handler
 * code that runs in Lambda.
 *
 * Environment: `PORT` (default 3000), `HOST` (default 127.0.0.1), plus the
 * storage settings of the composition root (local store by default).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { describeConfiguration, readConfiguration } from "../composition-root.js";
import { bundlePath, readFunctions } from "./sam-template.js";

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
export function createLocalServer(routes: LoadedRoute[]): Server {
  return createServer((request, response) => {
    handle(routes, request, response).catch((error: unknown) => {
      console.error(JSON.stringify({ level: "ERROR", message: "local server error", error: String(error) }));
      if (!response.headersSent) sendProblem(response, 500, "Internal server error", "the local server failed");
      else response.end();
    });
  });
}

async function handle(routes: LoadedRoute[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const method = (request.method ?? "GET").toUpperCase();
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
    sendProblem(response, 413, "Content too large", `the request body must be at most ${MAX_REQUEST_BYTES} bytes`);
    return;
  }
  const pathParameters = Object.fromEntries(
    found.route.parameterNames.map((name, index) => [name, found.match?.[index + 1] ?? ""]),
  );
  const result = await found.route.handler(
    toProxyEvent(request, url, method, found.route.resource, pathParameters, body),
  );
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
      requestId: randomUUID(),
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
  const type = `urn:iot-certificates:problem:${title.toLowerCase().replaceAll(" ", "-")}`;
  response.writeHead(status, { "Content-Type": "application/problem+json", ...headers });
  response.end(JSON.stringify({ type, title, status, detail }));
}

async function main(): Promise<void> {
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const routes = await loadRoutes({
    templatePath: join(projectRoot, "template.yaml"),
    bundleDirectory: join(projectRoot, "dist"),
  });
  const host = process.env.HOST?.trim() || "127.0.0.1";
  const port = Number(process.env.PORT ?? 3000);
  const server = createLocalServer(routes);
  server.listen(port, host, () => {
    const address = server.address();
    const actualPort = typeof address === "object" && address ? address.port : port;
    console.log(
      `IoT certificates API listening on http://${host}:${actualPort} using ${describeConfiguration(readConfiguration())}`,
    );
    for (const route of routes) console.log(`  ${route.method.padEnd(5)} ${route.resource}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
