/**
 * What the handler tests share: API Gateway events, port-level fakes of S3 and
 * ACM injected through the composition root, issuer material made by the real
 * core, and the problem+json checks.
 *
 * The handlers run in the S3 configuration (`CERTIFICATE_BUCKET_NAME` set, so
 * that e.g. the server handler imports into ACM), but on a
 * `RecordingObjectStore` and a `RecordingImporter` given to
 * `useServicesForTesting`: the tests assert the exact calls on the ports
 * (keys, bodies, content types, import requests, their order). How the S3 and
 * ACM adapters put those calls on the wire (bucket, `If-None-Match: *`,
 * request signing) is asserted in tests/unit/adapters (SDK commands) and
 * tests/integration/storage.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { expect, vi } from "vitest";
import { resetServicesForTesting, useServicesForTesting } from "../../../../src/composition-root.js";
import type { CertificateImporter, CertificateImportRequest } from "../../../../src/core/ports.js";
import { isStoreCall, RecordingObjectStore, type StoreCall } from "../../../support/api/memory-bucket.js";
import { createMemoryHierarchy, type MemoryHierarchy } from "../../core/issuance/memory-hierarchy.js";

export const BUCKET = "test-bucket";

/** The ARN the recording importer answers with. */
export const IMPORTED_ARN = "arn:aws:acm:eu-north-1:123456789012:certificate/0b5d6b1e-1111-2222-3333-444455556666";

/** One call to the CertificateImporter port, as recorded. */
export interface ImportCall {
  operation: "importCertificate";
  request: CertificateImportRequest;
}

/** Every call to the store and the importer, in call order. */
export type TimelineEvent = StoreCall | ImportCall;

/** A stand-in for ACM at the port: records each request into the shared timeline; `failWith` makes imports fail. */
export class RecordingImporter implements CertificateImporter {
  /** Thrown by every import while set (after the request was recorded). */
  failWith: Error | undefined;

  constructor(readonly timeline: TimelineEvent[]) {}

  /** Every import request received, in order. */
  get requests(): CertificateImportRequest[] {
    return this.timeline.flatMap((event) => (event.operation === "importCertificate" ? [event.request] : []));
  }

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    this.timeline.push({ operation: "importCertificate", request });
    if (this.failWith) throw this.failWith;
    return { certificateArn: IMPORTED_ARN };
  }
}

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

/**
 * Fresh environment (the S3 configuration) and services: a recording store,
 * empty or holding a copy of `initial`'s objects, and a recording importer,
 * both appending to one timeline.
 */
export function setUpServices(initial: MemoryHierarchy | undefined = undefined): {
  store: RecordingObjectStore;
  importer: RecordingImporter;
  timeline: TimelineEvent[];
} {
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", BUCKET);
  vi.stubEnv("AWS_REGION", "eu-north-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "testing");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "testing");
  vi.stubEnv("AWS_ENDPOINT_URL", "");
  vi.stubEnv("ENDPOINT_URL", "");
  resetServicesForTesting();
  const timeline: TimelineEvent[] = [];
  const objects = [...(initial?.store.objects ?? [])].map(([key, object]): [string, string] => [key, object.body]);
  const store = new RecordingObjectStore(timeline, objects);
  const importer = new RecordingImporter(timeline);
  useServicesForTesting({ objectStore: store, importer });
  return { store, importer, timeline };
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

/** Every `putIfAbsent` call, in order, leaving out inventory index entries. */
export function puts(timeline: readonly TimelineEvent[]): Extract<StoreCall, { operation: "putIfAbsent" }>[] {
  return timeline.flatMap((event) =>
    event.operation === "putIfAbsent" && !event.key.startsWith("inventory/") ? [event] : [],
  );
}

/** The keys of every `get` call, in order. */
export function reads(timeline: readonly TimelineEvent[]): string[] {
  return timeline.flatMap((event) => (event.operation === "get" ? [event.key] : []));
}

/** The keys of every `delete` call, in order. */
export function deletes(timeline: readonly TimelineEvent[]): string[] {
  return timeline.flatMap((event) => (event.operation === "delete" ? [event.key] : []));
}

/** The events that change something (puts, deletes, imports), in order: reads and listings left out. */
export function effects(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline.filter(
    (event) => !isStoreCall(event) || event.operation === "putIfAbsent" || event.operation === "delete",
  );
}

/** The `putIfAbsent` call that stores a PEM file. */
export function pemPut(key: string, body: string): StoreCall {
  return { operation: "putIfAbsent", key, body, contentType: "application/x-pem-file" };
}

/** The `putIfAbsent` call that stores a JSON record. */
export function jsonPut(key: string, body: string): StoreCall {
  return { operation: "putIfAbsent", key, body, contentType: "application/json" };
}

/** A stored JSON record as `CertificateRepository` writes it. */
export function recordJson(record: unknown): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
