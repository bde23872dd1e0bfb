/**
 * The hand-written SigV4 signer (src/adapters/aws/signature-v4.ts) against
 * the SDK's own: `@smithy/signature-v4` configured as the S3 client configures
 * it (`uriEscapePath: false`, `applyChecksum: true`) and as every other client
 * does (defaults), on fixed cases and on random ones; and against the very
 * requests `S3Client` and `ACMClient` send, captured before they leave.
 * Equal means byte-equal: the whole Authorization header and every other header.
 */
import { ACMClient, ImportCertificateCommand } from "@aws-sdk/client-acm";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { escapeUriPath } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest as SmithyHttpRequest } from "@smithy/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AwsCredentials, encodeUriPath, signRequest } from "../../../../src/adapters/aws/signature-v4.js";
import { NodeSha256 } from "../../../support/node-sha256.js";

const CREDENTIALS: AwsCredentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const TEMPORARY_CREDENTIALS: AwsCredentials = {
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "secret/with+symbols=",
  sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token=",
};

interface Case {
  method: string;
  host: string;
  /** Unencoded path. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  credentials?: AwsCredentials;
  region?: string;
  date: Date;
}

/** What the SDK signer produces for the case, with header names in lower case. */
async function sdkSigned(service: "s3" | "acm", c: Case): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: c.credentials ?? CREDENTIALS,
    region: c.region ?? "eu-north-1",
    service,
    sha256: NodeSha256,
    ...(service === "s3" ? { uriEscapePath: false, applyChecksum: true } : {}),
  });
  const [hostname, port] = c.host.split(":");
  const signed = await signer.sign(
    {
      method: c.method,
      protocol: "https:",
      hostname: hostname as string,
      port: port === undefined ? undefined : Number(port),
      // The wire path, as the SDK serialisers build it (each segment escaped once).
      path: escapeUriPath(c.path),
      query: c.query ?? {},
      headers: { ...c.headers, host: c.host },
      body: c.body,
    } as SmithyHttpRequest,
    { signingDate: c.date },
  );
  return lowerCaseNames(signed.headers);
}

function ourSigned(service: "s3" | "acm", c: Case): Record<string, string> {
  return lowerCaseNames(
    signRequest(
      { method: c.method, host: c.host, path: c.path, query: c.query, headers: c.headers, body: c.body },
      { credentials: c.credentials ?? CREDENTIALS, region: c.region ?? "eu-north-1", service, date: c.date },
    ),
  );
}

function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

const DATE = new Date("2026-03-14T09:26:53.589Z");
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB+zCCAaGgAwIBAgIU\n-----END CERTIFICATE-----\n";

const S3_CASES: Record<string, Case> = {
  "GET list with query parameters": {
    method: "GET",
    host: "certs.s3.eu-north-1.amazonaws.com",
    path: "/",
    query: { "list-type": "2", prefix: "roots/a b+c=d/", "start-after": "roots/ä~x", "max-keys": "1000" },
    date: DATE,
  },
  "PUT with If-None-Match and a PEM body": {
    method: "PUT",
    host: "certs.s3.eu-north-1.amazonaws.com",
    path: "/roots/default/certificate.pem",
    headers: { "If-None-Match": "*", "Content-Type": "application/x-pem-file", "content-length": "74" },
    body: PEM,
    date: DATE,
  },
  "keys with spaces, '+', '=', unicode and '~'": {
    method: "GET",
    host: "s3.eu-north-1.amazonaws.com",
    path: "/my.bucket/a key/+plus=equals/Ångström ✓ 🔐/tilde~(paren)!*'",
    date: DATE,
  },
  "an empty segment and dot segments, which S3 keeps as they are": {
    method: "DELETE",
    host: "s3.eu-north-1.amazonaws.com",
    path: "/bucket//a/./b/../c",
    date: DATE,
  },
  "a session token": {
    method: "PUT",
    host: "certs.s3.us-east-1.amazonaws.com",
    path: "/x.json",
    headers: { "content-type": "application/json", "if-none-match": "*" },
    body: new TextEncoder().encode('{"a":1}'),
    credentials: TEMPORARY_CREDENTIALS,
    region: "us-east-1",
    date: DATE,
  },
  "a non-default port (moto on 127.0.0.1)": {
    method: "GET",
    host: "127.0.0.1:45123",
    path: "/bucket/key with space",
    query: { "x-id": "GetObject" },
    date: new Date("1999-12-31T23:59:59.999Z"),
  },
  "header values with runs of spaces, tabs and line breaks, and headers never signed": {
    method: "GET",
    host: "s3.eu-north-1.amazonaws.com",
    path: "/bucket/k",
    headers: { "X-Amz-Meta-Note": "  a \t b\r\nc  ", "User-Agent": "test/1", Connection: "keep-alive" },
    date: DATE,
  },
};

describe("signRequest equals @smithy/signature-v4 on fixed cases", () => {
  for (const [name, c] of Object.entries(S3_CASES)) {
    it(`S3: ${name}`, async () => {
      expect(ourSigned("s3", c)).toEqual(await sdkSigned("s3", c));
    });
  }

  it("ACM: ImportCertificate (path '/', JSON body, X-Amz-Target)", async () => {
    const c: Case = {
      method: "POST",
      host: "acm.eu-north-1.amazonaws.com",
      path: "/",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "CertificateManager.ImportCertificate",
      },
      body: JSON.stringify({ Certificate: Buffer.from(PEM).toString("base64") }),
      credentials: TEMPORARY_CREDENTIALS,
      date: DATE,
    };
    expect(ourSigned("acm", c)).toEqual(await sdkSigned("acm", c));
  });

  it("non-S3 services: the path is normalised and encoded twice", async () => {
    const c: Case = { method: "GET", host: "acm.eu-north-1.amazonaws.com", path: "/a b//./c/../d+é/", date: DATE };
    const ours = ourSigned("acm", c);
    expect(ours).toEqual(await sdkSigned("acm", c));
    // S3 signs the same path differently: encoded once, not normalised.
    expect(ourSigned("s3", c).authorization).not.toBe(ours.authorization);
  });

  it("encodes each path segment once, keeping '/'", () => {
    expect(encodeUriPath("/b/a key/+=~é*")).toBe("/b/a%20key/%2B%3D~%C3%A9%2A");
  });
});

/** Strings with the characters that trip encoders, and any other code point. */
const trickyString = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      fc.constantFrom(" ", "+", "=", "~", "/", "%", "&", "?", "*", "'", "(", "!", "ä", "🔐"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    maxLength,
  });

describe("signRequest equals @smithy/signature-v4 on random requests", () => {
  it("S3 requests: random keys, query values, bodies, dates, ports and credentials", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom("GET", "PUT", "DELETE", "HEAD", "POST"),
          port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
          key: trickyString(60),
          // Not a parameter named `__proto__`: the SDK signer gathers the query in a plain object, where that
          // key is lost (we sign it, as it is sent); our adapters' parameter names are fixed S3 names.
          query: fc.dictionary(
            trickyString(12).filter((name) => name !== "__proto__"),
            trickyString(24),
            { maxKeys: 5 },
          ),
          body: fc.option(fc.oneof(trickyString(200), fc.uint8Array({ maxLength: 200 })), { nil: undefined }),
          date: fc.date({
            min: new Date("1970-01-01T00:00:00Z"),
            max: new Date("2099-12-31T23:59:59Z"),
            noInvalidDate: true,
          }),
          withToken: fc.boolean(),
          region: fc.constantFrom("us-east-1", "eu-north-1", "ap-southeast-2"),
        }),
        async ({ method, port, key, query, body, date, withToken, region }) => {
          const c: Case = {
            method,
            host: port === undefined ? "certs.s3.amazonaws.com" : `127.0.0.1:${port}`,
            path: `/bucket/${key}`,
            query,
            headers: { "content-type": "text/plain", "if-none-match": "*" },
            body,
            credentials: withToken ? TEMPORARY_CREDENTIALS : CREDENTIALS,
            region,
            date,
          };
          expect(ourSigned("s3", c)).toEqual(await sdkSigned("s3", c));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("ACM requests: random paths, JSON bodies and dates", async () => {
    await fc.assert(
      fc.asyncProperty(
        trickyString(30),
        trickyString(200),
        fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }),
        async (path, value, date) => {
          const c: Case = {
            method: "POST",
            host: "acm.us-west-2.amazonaws.com",
            path: `/${path}`,
            headers: {
              "content-type": "application/x-amz-json-1.1",
              "x-amz-target": "CertificateManager.ImportCertificate",
            },
            body: JSON.stringify({ Value: value }),
            region: "us-west-2",
            date,
          };
          expect(ourSigned("acm", c)).toEqual(await sdkSigned("acm", c));
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * Captures the request an SDK client would send, signed, then stops it there:
 * the last step of the client's middleware stack is the HTTP handler.
 */
function capturingHandler() {
  const captured: SmithyHttpRequest[] = [];
  return {
    captured,
    handler: {
      async handle(request: SmithyHttpRequest): Promise<never> {
        captured.push(request);
        throw new Error("captured");
      },
    },
  };
}

/** Re-signs what an SDK client sent, with our signer, from the same headers and date. */
function resign(service: "s3" | "acm", sent: SmithyHttpRequest, credentials: AwsCredentials, region: string) {
  const headers = lowerCaseNames(sent.headers);
  const longDate = headers["x-amz-date"] as string;
  const date = new Date(
    `${longDate.slice(0, 4)}-${longDate.slice(4, 6)}-${longDate.slice(6, 8)}T${longDate.slice(9, 11)}:${longDate.slice(11, 13)}:${longDate.slice(13, 15)}Z`,
  );
  const {
    authorization: _a,
    "x-amz-date": _d,
    "x-amz-security-token": _t,
    "x-amz-content-sha256": _s,
    ...own
  } = headers;
  const body = sent.body as string | Uint8Array | undefined;
  return signRequest(
    {
      method: sent.method,
      host: headers.host as string,
      path: decodeURIComponent(sent.path),
      query: sent.query as Record<string, string>,
      headers: own,
      body,
    },
    { credentials, region, service, date },
  );
}

describe("signRequest equals what the SDK clients send", () => {
  it("S3Client PutObject, GetObject and ListObjectsV2 on a path-style endpoint with a port", async () => {
    const { captured, handler } = capturingHandler();
    const s3 = new S3Client({
      endpoint: "http://127.0.0.1:45123",
      forcePathStyle: true,
      region: "us-east-1",
      credentials: TEMPORARY_CREDENTIALS,
      requestHandler: handler as never,
      maxAttempts: 1,
    });
    const key = "servers/a key+é=~/certificate.pem";
    await Promise.allSettled([
      s3.send(
        new PutObjectCommand({
          Bucket: "b",
          Key: key,
          Body: PEM,
          ContentType: "application/x-pem-file",
          IfNoneMatch: "*",
        }),
      ),
      s3.send(new GetObjectCommand({ Bucket: "b", Key: key })),
      s3.send(new ListObjectsV2Command({ Bucket: "b", Prefix: "servers/a b", StartAfter: "servers/ä", MaxKeys: 10 })),
    ]);
    expect(captured).toHaveLength(3);
    for (const sent of captured) {
      expect(resign("s3", sent, TEMPORARY_CREDENTIALS, "us-east-1")).toEqual(lowerCaseNames(sent.headers));
    }
  });

  it("ACMClient ImportCertificate", async () => {
    const { captured, handler } = capturingHandler();
    const acm = new ACMClient({
      region: "eu-north-1",
      credentials: CREDENTIALS,
      requestHandler: handler as never,
      maxAttempts: 1,
    });
    await Promise.allSettled([
      acm.send(
        new ImportCertificateCommand({
          Certificate: new TextEncoder().encode(PEM),
          PrivateKey: new TextEncoder().encode("key"),
          Tags: [{ Key: "k", Value: "v" }],
        }),
      ),
    ]);
    const [sent] = captured;
    if (!sent) throw new Error("ACMClient sent nothing");
    expect(resign("acm", sent, CREDENTIALS, "eu-north-1")).toEqual(lowerCaseNames(sent.headers));
  });
});
