/**
 * The CLI's SigV4 signing for a deployed API (IAM authorization): what
 * `ApiClient` sends, captured by a local server as it arrived on the wire,
 * carries the Authorization header that API Gateway would compute for it:
 * the AWS SDK's signer (`@smithy/signature-v4`, service `execute-api`) run
 * over the received method, path (as sent, percent-encoding included),
 * query, signed headers and body at the same instant.
 */
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../../../src/cli/api-client.js";
import {
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from "../../support/recording-http-server.js";

const CREDENTIALS = {
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "secret/with+symbols=",
  sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token=",
};

let server: RecordingServer;

beforeAll(async () => {
  server = await startRecordingServer();
});

afterAll(() => server.close());

afterEach(() => {
  vi.unstubAllEnvs();
  server.requests.length = 0;
});

/** The test credentials in the environment, as Lambda or a shell would set them. */
function stubCredentials(sessionToken: string): void {
  vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", sessionToken);
}

/** The Authorization header a verifier computes for a captured request, from what arrived. */
async function sdkAuthorization(request: RecordedRequest, region: string): Promise<string> {
  const authorization = String(request.headers.authorization);
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
  const headers = Object.fromEntries(signedNames.map((name) => [name, String(request.headers[name])]));
  const amzDate = String(request.headers["x-amz-date"]);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const token = request.headers["x-amz-security-token"];
  const credentials = { ...CREDENTIALS, sessionToken: typeof token === "string" ? token : undefined };
  const signer = new SignatureV4({ credentials, region, service: "execute-api", sha256: Sha256 });
  const url = new URL(server.endpoint);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: request.rawPath, // as received: the signer escapes it again, as SigV4 prescribes outside S3
      query: request.query,
      headers,
      body: request.body.length > 0 ? request.body.toString("utf8") : undefined,
    },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

describe("ApiClient with sigv4", () => {
  it("signs a POST with a JSON body as the SDK signer would (execute-api, session token)", async () => {
    stubCredentials(CREDENTIALS.sessionToken);
    server.script([{ status: 201, headers: { "content-type": "application/json" }, body: '{"ok":true}' }]);
    const client = new ApiClient({ baseUrl: `${server.endpoint}/prod`, sigv4: true, region: "eu-north-1" });
    expect(await client.post("/certificates/device", { issuer: "devices", device_id: "sensor 1" })).toEqual({
      ok: true,
    });
    const [request] = server.requests;
    if (!request) throw new Error("no request captured");
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-north-1\/execute-api\/aws4_request, SignedHeaders=.*content-type.*host.*x-amz-security-token.*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers["x-amz-security-token"]).toBe(CREDENTIALS.sessionToken);
    expect(request.headers.authorization).toBe(await sdkAuthorization(request, "eu-north-1"));
  });

  it("signs a GET with a query and an encoded path segment as the SDK signer would", async () => {
    stubCredentials("");
    vi.stubEnv("AWS_REGION", "us-east-2");
    server.script([{ status: 200, headers: { "content-type": "application/json" }, body: "[]" }]);
    const client = new ApiClient({ baseUrl: server.endpoint, sigv4: true });
    await client.get("/certificates/device/sensor%201?limit=5&issuer=devices");
    const [request] = server.requests;
    if (!request) throw new Error("no request captured");
    expect(request.headers["x-amz-security-token"]).toBeUndefined();
    expect(request.headers.authorization).toContain("/us-east-2/execute-api/aws4_request");
    expect(request.headers.authorization).toBe(await sdkAuthorization(request, "us-east-2"));
  });

  it("signs the path exactly as it is sent, where decoding it would change it ('%7E', '%2F', '%25', '+')", async () => {
    stubCredentials("");
    server.script([], { status: 200, headers: { "content-type": "application/json" }, body: "{}" });
    const client = new ApiClient({ baseUrl: `${server.endpoint}/prod`, sigv4: true, region: "eu-west-1" });
    const paths = [
      "/certificates/device/sensor%7E1", // decodes to '~', which an encoder leaves bare
      "/certificates/device/a%2Fb", // decodes to '/', a segment boundary
      "/certificates/device/100%25", // decodes to '%'
      "/certificates/device/a+b", // sent as written; '+' is no space in a path
      "/certificates/device/a b", // written unencoded: fetch sends it as %20
    ];
    for (const path of paths) await client.get(path);
    expect(server.requests.map((request) => request.rawPath)).toEqual([
      "/prod/certificates/device/sensor%7E1",
      "/prod/certificates/device/a%2Fb",
      "/prod/certificates/device/100%25",
      "/prod/certificates/device/a+b",
      "/prod/certificates/device/a%20b",
    ]);
    for (const request of server.requests) {
      expect(request.headers.authorization, request.rawPath).toBe(await sdkAuthorization(request, "eu-west-1"));
    }
  });

  it("signs repeated query parameters, all of them", async () => {
    stubCredentials("");
    server.script([{ status: 200, headers: { "content-type": "application/json" }, body: "[]" }]);
    const client = new ApiClient({ baseUrl: server.endpoint, sigv4: true, region: "eu-west-1" });
    await client.get("/certificates/device?issuer=a&issuer=b&limit=2");
    const [request] = server.requests;
    if (!request) throw new Error("no request captured");
    expect(request.query).toEqual({ issuer: ["a", "b"], limit: "2" });
    expect(request.headers.authorization).toBe(await sdkAuthorization(request, "eu-west-1"));
  });

  it("says what to set when no region can be found", async () => {
    stubCredentials("");
    vi.stubEnv("AWS_REGION", "");
    vi.stubEnv("AWS_DEFAULT_REGION", "");
    const client = new ApiClient({ baseUrl: server.endpoint, sigv4: true });
    await expect(client.get("/certificates/root")).rejects.toThrow(
      "SigV4 needs a region: pass --region or set AWS_REGION",
    );
    expect(server.requests).toHaveLength(0);
  });
});
