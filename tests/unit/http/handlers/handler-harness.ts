/**
 * What the handler tests share: API Gateway events, the S3/ACM mocks wired to
 * an in-memory bucket, issuer material made by the real core, and the
 * problem+json checks.
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { expect, vi } from "vitest";
import { resetServicesForTesting } from "../../../../src/composition-root.js";
import { MockS3Bucket } from "../../../support/storage/mock-s3-bucket.js";
import { createMemoryHierarchy, type MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";

export const BUCKET = "test-bucket";

export const s3Mock = mockClient(S3Client);
export const acmMock = mockClient(ACMClient);

export function apiEvent(options: {
  method: "GET" | "POST";
  resource: string;
  path?: string;
  body?: unknown;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
}): APIGatewayProxyEvent {
  const body =
    options.body === undefined ? null : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return {
    resource: options.resource,
    path: options.path ?? options.resource,
    httpMethod: options.method,
    headers: { "content-type": "application/json", ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
  };
}

export function post(resource: string, body: unknown): APIGatewayProxyEvent {
  return apiEvent({ method: "POST", resource, body });
}

/** Fresh environment, services and mocks; an empty bucket (or one holding `initial`). */
export function setUpAws(initial: MemoryHierarchy | undefined = undefined): {
  bucket: MockS3Bucket;
  timeline: string[];
} {
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", BUCKET);
  vi.stubEnv("AWS_REGION", "eu-north-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  vi.stubEnv("AWS_ENDPOINT_URL", "");
  vi.stubEnv("ENDPOINT_URL", "");
  resetServicesForTesting();
  s3Mock.reset();
  acmMock.reset();
  const timeline: string[] = [];
  const bucket = new MockS3Bucket(s3Mock, BUCKET, timeline, initial?.store.objects ?? []);
  return { bucket, timeline };
}

let hierarchy: Promise<MemoryHierarchy> | undefined;

/** A root `default` and intermediates `servers`/`devices` made by the core (EC-P256), once per file. */
export function issuerMaterial(): Promise<MemoryHierarchy> {
  hierarchy ??= createMemoryHierarchy();
  return hierarchy;
}

export function json(result: APIGatewayProxyResult): any {
  return JSON.parse(result.body);
}

/** Checks an RFC 9457 problem response and returns its body. */
export function expectProblem(result: APIGatewayProxyResult, status: number, field?: string): any {
  expect(result.statusCode).toBe(status);
  expect(result.headers?.["Content-Type"]).toBe("application/problem+json");
  const problem = json(result);
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^urn:iot-certificates:problem:/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  if (field !== undefined) {
    expect(problem.field).toBe(field);
    // A 400 names the field in its text too, so a curl user sees it.
    if (status === 400) expect(problem.detail).toContain(field);
  }
  return problem;
}

/** Inputs of every PutObject sent, in order, leaving out inventory index entries. */
export function putInputs(): Record<string, unknown>[] {
  return s3Mock
    .commandCalls(PutObjectCommand)
    .map((call) => ({ ...call.args[0].input }) as Record<string, unknown>)
    .filter((input) => !String(input.Key).startsWith("inventory/"));
}

/** The PutObject input S3ObjectStore sends for a PEM file. */
export function pemPut(key: string, body: string) {
  return { Bucket: BUCKET, Key: key, Body: body, ContentType: "application/x-pem-file", IfNoneMatch: "*" };
}

/** The PutObject input S3ObjectStore sends for a JSON record. */
export function jsonPut(key: string, body: string) {
  return { Bucket: BUCKET, Key: key, Body: body, ContentType: "application/json", IfNoneMatch: "*" };
}

/** A stored JSON record as `CertificateRepository` writes it. */
export function recordJson(record: unknown): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
