/**
 * Sends signed requests to one AWS service endpoint over node:http/node:https,
 * with the behaviour of the SDK's "standard" retry mode.
 *
 * Why not the AWS SDK: `@aws-sdk/client-s3` alone took 200+ ms of the ~330 ms
 * a function bundle needed to import (issue 6 allows 150 ms), and Node's
 * global `fetch` costs another 40-55 ms to load (undici). The adapters need
 * four S3 operations and one ACM operation; this module and
 * `signature-v4.ts` are all the transport they need.
 *
 * Retries, as the SDK's standard mode: at most 3 attempts; network errors,
 * 5xx, 429 and throttling/transient error codes are retried after a delay with
 * full jitter (random up to 100 ms × 2^retry, at most 20 s); any other 4xx is
 * final. Responses come back whatever their status: the adapter decides what
 * a status means.
 */
import http from "node:http";
import https from "node:https";
import type { CredentialSource } from "./aws-environment.js";
import { type AwsCredentials, encodeUri, encodeUriPath, signRequest } from "./signature-v4.js";

export interface AwsRequest {
  method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
  /** Path under the endpoint, NOT URI-encoded (e.g. `/bucket/a key.pem`). */
  path: string;
  /** Query parameters, unencoded. */
  query?: Record<string, string> | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | Uint8Array | undefined;
}

export interface AwsResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The whole body, decoded as UTF-8. */
  body: string;
}

export interface AwsTransportOptions {
  /** Attempts per request, the first included. Default 3. */
  maxAttempts?: number | undefined;
  /** A request fails when its socket is silent this long, connecting included. Default 10,000 ms. */
  timeoutMs?: number | undefined;
  /** Delay before retry number `retry` (1, 2, …). Default: full jitter, up to 100 ms × 2^(retry-1), at most 20 s. */
  retryDelayMs?: ((retry: number) => number) | undefined;
  /** Larger response bodies fail the request. Default 10 MiB. */
  maxResponseBytes?: number | undefined;
}

/** What both AWS adapters (S3, ACM) take: where to send, where to read region and credentials, how to retry. */
export interface AwsServiceOptions {
  /** Endpoint URL, e.g. a local S3/ACM protocol server; default AWS's regional endpoint. */
  endpoint?: string | undefined;
  /**
   * Where the region (`AWS_REGION`, else `AWS_DEFAULT_REGION`), credentials
   * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, else
   * the SDK's default chain, loaded lazily) and `AWS_MAX_ATTEMPTS` are read.
   * Default `process.env`.
   */
  env?: NodeJS.ProcessEnv | undefined;
  /** Attempts, timeout and retry delays; the defaults (3 attempts, 10 s, jittered backoff) suit Lambda. */
  transport?: AwsTransportOptions | undefined;
}

export interface AwsHttpClientOptions extends AwsTransportOptions {
  /** Scheme, host, port and optional base path of the service, e.g. `https://acm.eu-north-1.amazonaws.com`. */
  endpoint: string;
  region: string;
  /** Signing name: `s3`, `acm`. */
  service: string;
  credentials: CredentialSource;
  /** The service's error code in a failed response (S3: XML `<Code>`; JSON services: `__type`), to spot throttling. */
  errorCodeOf: (response: AwsResponse) => string | undefined;
}

/** A failure on the way (connection refused or reset, timeout, oversized response): no response to judge. */
export class AwsNetworkError extends Error {
  override readonly name = "AwsNetworkError";

  constructor(
    message: string,
    /** Attempts made before giving up. */
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Error codes the SDK retries whatever their status (its THROTTLING_ERROR_CODES and TRANSIENT_ERROR_CODES). */
const RETRYABLE_ERROR_CODES = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const RETRY_BASE_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 20_000;

/**
 * One keep-alive agent per scheme and process: a warm Lambda container reuses
 * its TLS connections across invocations. A connection the service closed
 * while the container was frozen fails with ECONNRESET and is retried.
 */
const agents: { http?: http.Agent; https?: https.Agent } = {};

function agentFor(protocol: string): http.Agent {
  if (protocol === "https:") {
    agents.https ??= new https.Agent({ keepAlive: true, maxSockets: 50 });
    return agents.https;
  }
  agents.http ??= new http.Agent({ keepAlive: true, maxSockets: 50 });
  return agents.http;
}

export class AwsHttpClient {
  private readonly endpoint: URL;
  /** The endpoint's path without its trailing slash, prefixed to every request path. */
  private readonly basePath: string;

  constructor(private readonly options: AwsHttpClientOptions) {
    this.endpoint = new URL(options.endpoint);
    if (this.endpoint.protocol !== "https:" && this.endpoint.protocol !== "http:") {
      throw new Error(`AWS endpoint must be an http(s) URL, not '${options.endpoint}'`);
    }
    this.basePath = this.endpoint.pathname.replace(/\/+$/, "");
  }

  /** Sends `request`, retrying as the SDK's standard mode does; the last response whatever its status. */
  async send(request: AwsRequest): Promise<AwsResponse> {
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      // Outside the try: no credentials is a configuration problem, not one a retry mends.
      const credentials = await this.options.credentials();
      let response: AwsResponse;
      try {
        response = await this.sendOnce(request, credentials);
      } catch (error) {
        if (attempt >= maxAttempts || error instanceof ResponseTooLargeError) {
          throw new AwsNetworkError(
            `${request.method} ${this.endpoint.host} failed after ${attempt} attempt(s): ${(error as Error).message}`,
            attempt,
            { cause: error },
          );
        }
        await this.delayBeforeRetry(attempt);
        continue;
      }
      if (attempt >= maxAttempts || !this.isRetryable(response)) return response;
      await this.delayBeforeRetry(attempt);
    }
  }

  private isRetryable(response: AwsResponse): boolean {
    if (response.status >= 500 || response.status === 429) return true;
    if (response.status < 400) return false;
    const code = this.options.errorCodeOf(response);
    return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
  }

  private async delayBeforeRetry(retry: number): Promise<void> {
    const delay =
      this.options.retryDelayMs?.(retry) ??
      Math.random() * Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (retry - 1));
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** One attempt, signed afresh (the date and possibly the credentials change between attempts). */
  private async sendOnce(request: AwsRequest, credentials: AwsCredentials): Promise<AwsResponse> {
    const path = `${this.basePath}${request.path}`;
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers = signRequest(
      {
        method: request.method,
        host: this.endpoint.host,
        path,
        query: request.query,
        headers: { ...request.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        body,
      },
      { credentials, region: this.options.region, service: this.options.service },
    );
    const query = Object.entries(request.query ?? {})
      .map(([name, value]) => `${encodeUri(name)}=${encodeUri(value)}`)
      .join("&");
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const transport = this.endpoint.protocol === "https:" ? https : http;
    return new Promise<AwsResponse>((resolve, reject) => {
      const outgoing = transport.request(
        {
          protocol: this.endpoint.protocol,
          hostname: this.endpoint.hostname.replace(/^\[|\]$/g, ""),
          port: this.endpoint.port || undefined,
          method: request.method,
          path: `${encodeUriPath(path)}${query ? `?${query}` : ""}`,
          headers,
          agent: agentFor(this.endpoint.protocol),
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              reject(new ResponseTooLargeError(maxBytes));
              incoming.destroy();
              return;
            }
            chunks.push(chunk);
          });
          incoming.on("error", reject);
          incoming.on("close", () => {
            if (!incoming.complete) reject(new Error("the connection closed before the whole response arrived"));
          });
          incoming.on("end", () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: flattenHeaders(incoming.headers),
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no response within ${timeoutMs} ms`)));
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }
}

class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";

  constructor(maxBytes: number) {
    super(`the response body is larger than ${maxBytes} bytes`);
  }
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
