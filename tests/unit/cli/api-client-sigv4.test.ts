/**
 * The CLI's SigV4 signing for a deployed API (IAM authorization): what
 * `ApiClient` sends, captured by a local server, carries the Authorization
 * header that the AWS SDK's own signer (`@smithy/signature-v4`, service
 * `execute-api`) computes for the same request at the same instant.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../../../src/cli/api-client.js";
import { NodeSha256 } from "../../support/node-sha256.js";
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

/** The Authorization header the SDK signer computes for a captured request, signing what it signed. */
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
  const signer = new SignatureV4({ credentials, region, service: "execute-api", sha256: NodeSha256 });
  const url = new URL(server.endpoint);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: request.rawPath, // as sent: the signer escapes it again, as SigV4 prescribes outside S3
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
