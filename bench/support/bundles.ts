/** The function bundles `npm run build` wrote to dist/, found through template.yaml as the local server finds them. */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { bundlePath, type FunctionDefinition, readFunctions } from "../../src/local/sam-template.js";

export type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export const DIST = resolve("dist");

export function functions(): FunctionDefinition[] {
  return readFunctions("template.yaml");
}

export function bundleFile(fn: FunctionDefinition): string {
  return join(DIST, bundlePath(fn));
}

export function bundleBytes(fn: FunctionDefinition): number {
  return statSync(bundleFile(fn)).size;
}

/** Imports a function's bundle (into this process) and returns its handler. */
export async function importHandler(logicalId: string): Promise<Handler> {
  const fn = functions().find((candidate) => candidate.logicalId === logicalId);
  if (!fn) throw new Error(`no function ${logicalId} in template.yaml`);
  const exportName = fn.handler.slice(fn.handler.lastIndexOf(".") + 1);
  const module = (await import(pathToFileURL(bundleFile(fn)).href)) as Record<string, Handler>;
  const handler = module[exportName];
  if (typeof handler !== "function") throw new Error(`${logicalId}: ${fn.handler} is not a function`);
  return handler;
}

/** An API Gateway (REST, proxy integration) event, shaped as the local server makes them. */
export function proxyEvent(
  method: string,
  resource: string,
  body: unknown,
  pathParameters: Record<string, string> | null = null,
): APIGatewayProxyEvent {
  let path = resource;
  for (const [name, value] of Object.entries(pathParameters ?? {})) path = path.replace(`{${name}}`, value);
  const headers = { "content-type": "application/json", host: "127.0.0.1:3000" };
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters,
    stageVariables: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: method,
      identity: { sourceIp: "127.0.0.1", userAgent: "bench" },
      path: `/prod${path}`,
      stage: "prod",
      requestId: "bench",
      requestTimeEpoch: Date.now(),
      resourceId: "bench",
      resourcePath: resource,
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}
