/**
 * AWS Signature Version 4 for request headers, synchronous, on node:crypto.
 *
 * Why not `@smithy/signature-v4`: the adapters replaced the AWS SDK to meet
 * the cold-start target (issue 6), and bundling the signer alone costs
 * 143 KB and ~57 ms of import time. This module is the few lines of the
 * algorithm the adapters use; tests/unit/adapters/aws/signature-v4.test.ts
 * proves its headers byte-equal to the SDK signer's, for S3 and for ACM.
 *
 * Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { createHash, createHmac } from "node:crypto";

/** Long-term or temporary AWS credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials (Lambda, assumed roles); sent as `x-amz-security-token`. */
  sessionToken?: string | undefined;
}

export interface SignableRequest {
  /** HTTP method, upper case. */
  method: string;
  /** `host[:port]` as sent in the Host header: the port only when it is not the scheme's default. */
  host: string;
  /**
   * The path, NOT URI-encoded (e.g. `/bucket/a key+1.pem`). Send
   * `encodeUriPath(path)` on the wire: the signature covers that form.
   */
  path: string;
  /** Query parameters, unencoded; the signer encodes and sorts them. */
  query?: Record<string, string> | undefined;
  /** Headers to send and sign (any case). `host`, `x-amz-date` and the token are added. */
  headers?: Record<string, string> | undefined;
  /** The request body; none means the empty payload. */
  body?: string | Uint8Array | undefined;
}

export interface SigningScope {
  credentials: AwsCredentials;
  /** e.g. `eu-north-1`. */
  region: string;
  /** Signing name of the service: `s3`, `acm`. */
  service: string;
  /** When the request is signed; default now. AWS accepts 15 minutes of clock skew. */
  date?: Date | undefined;
}

/** SHA-256 of the empty payload, hex. */
export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * Headers the SDK signer never signs: hop-by-hop headers and those proxies or
 * browsers may change on the way (a signed one that changes breaks the signature).
 */
const UNSIGNABLE_HEADERS = new Set([
  "authorization",
  "cache-control",
  "connection",
  "expect",
  "from",
  "keep-alive",
  "max-forwards",
  "pragma",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);

/**
 * Signs `request` and returns the headers to send: the request's own headers
 * (names in lower case), `host`, `x-amz-date`, `x-amz-content-sha256`,
 * `x-amz-security-token` when the credentials carry one, and `authorization`.
 *
 * The canonical URI follows the service: S3 signs the path as sent (each
 * segment URI-encoded once, `/` kept, no normalisation); every other service
 * signs it encoded twice after removing `.`, `..` and empty segments, as SigV4
 * prescribes. `x-amz-content-sha256` is sent for every service, as the SDK does.
 */
export function signRequest(request: SignableRequest, scope: SigningScope): Record<string, string> {
  const { credentials, region, service } = scope;
  const longDate = amzDate(scope.date ?? new Date());
  const shortDate = longDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  delete headers.authorization;
  delete headers.date;
  headers.host = request.host;
  headers["x-amz-date"] = longDate;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const payloadHash = headers["x-amz-content-sha256"] ?? sha256Hex(request.body ?? "");
  headers["x-amz-content-sha256"] = payloadHash;

  const signedHeaderNames = Object.keys(headers)
    .filter((name) => !UNSIGNABLE_HEADERS.has(name) && !name.startsWith("proxy-") && !name.startsWith("sec-"))
    .sort();
  const signedHeaders = signedHeaderNames.join(";");
  const canonicalRequest = [
    request.method,
    service === "s3" ? encodeUriPath(request.path) : encodeUriPath(encodeUriPath(normalizePath(request.path))),
    canonicalQuery(request.query ?? {}),
    ...signedHeaderNames.map((name) => `${name}:${canonicalHeaderValue(headers[name] as string)}`),
    "",
    signedHeaders,
    payloadHash,
  ].join("\n");
  const credentialScope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", longDate, credentialScope, sha256Hex(canonicalRequest)].join("\n");
  const signature = createHmac("sha256", signingKey(credentials.secretAccessKey, shortDate, region, service))
    .update(stringToSign, "utf8")
    .digest("hex");
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** RFC 3986 encoding: every byte of the UTF-8 form but `A-Z a-z 0-9 - _ . ~` as `%XX`. */
export function encodeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Each path segment RFC 3986-encoded, `/` kept: the path as sent on the wire. */
export function encodeUriPath(path: string): string {
  return path.split("/").map(encodeUri).join("/");
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Parameters sorted by encoded name, then by encoded value; `name=value` joined by `&`. */
function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => [encodeUri(name), encodeUri(value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Line breaks become spaces, runs of spaces and tabs one space, no space at either end. */
function canonicalHeaderValue(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/g, "");
}

/** Removes empty, `.` and `..` segments (non-S3 services sign the normalised path). */
function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = path.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return `${leading}${segments.join("/")}${trailing}`;
}

/**
 * The derived key changes once a day per secret, region and service: four
 * HMACs saved on every request after the first. Bounded, since a process
 * sees few (credentials rotate every few hours on Lambda).
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 16;

function signingKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const cacheKey = `${shortDate}\n${region}\n${service}\n${secretAccessKey}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = Buffer.from(`AWS4${secretAccessKey}`, "utf8");
    for (const part of [shortDate, region, service, "aws4_request"]) {
      key = createHmac("sha256", key).update(part, "utf8").digest();
    }
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}
