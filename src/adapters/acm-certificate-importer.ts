/**
 * CertificateImporter on AWS Certificate Manager (ImportCertificate).
 *
 * It sends the one JSON request itself (signed by `aws/signature-v4.ts`)
 * rather than through `@aws-sdk/client-acm`, for the same cold-start reason
 * as the S3 adapter (issue 6). The request is what the SDK sends: the PEM
 * texts as base64 blobs, the tags as a Key/Value list.
 */
import { DependencyError } from "../core/errors.js";
import type { CertificateImporter, CertificateImportRequest } from "../core/ports.js";
import { awsCredentials, awsDnsSuffix, awsMaxAttempts, awsRegion } from "./aws/aws-environment.js";
import { AwsHttpClient, type AwsResponse, type AwsServiceOptions } from "./aws/aws-http-client.js";

/** Endpoint default: `https://acm.<region>.amazonaws.com`. */
export type AcmCertificateImporterOptions = AwsServiceOptions;

/** What ACM answered when ImportCertificate failed: status, error type and message, never the request. */
export class AcmRequestError extends Error {
  override readonly name = "AcmRequestError";

  constructor(
    readonly status: number,
    /** e.g. `ValidationException`, `LimitExceededException`, when the response named one. */
    readonly errorType: string | undefined,
    acmMessage: string | undefined,
    /** `x-amzn-requestid`, for AWS support. */
    readonly requestId: string | undefined,
  ) {
    super(`${status} ${errorType ?? "(no error type)"}${acmMessage ? `: ${acmMessage}` : ""}`);
  }
}

export class AcmCertificateImporter implements CertificateImporter {
  private readonly client: AwsHttpClient;

  /** Throws when no region is configured. */
  constructor(options: AcmCertificateImporterOptions = {}) {
    const env = options.env ?? process.env;
    const region = awsRegion(env);
    this.client = new AwsHttpClient({
      maxAttempts: awsMaxAttempts(env),
      ...options.transport,
      endpoint: options.endpoint ?? `https://acm.${region}.${awsDnsSuffix(region)}`,
      region,
      service: "acm",
      credentials: awsCredentials(env),
      errorCodeOf: (response) => acmError(response).errorType,
    });
  }

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    let response: AwsResponse;
    try {
      response = await this.client.send({
        method: "POST",
        path: "/",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "CertificateManager.ImportCertificate",
        },
        body: JSON.stringify({
          Certificate: base64(request.certificatePem),
          PrivateKey: base64(request.privateKeyPem),
          CertificateChain: base64(request.certificateChainPem),
          CertificateArn: request.certificateArn,
          // ACM refuses tags on a re-import (the certificate keeps the ones it has).
          ...(request.certificateArn === undefined
            ? { Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })) }
            : {}),
        }),
      });
    } catch (error) {
      throw new DependencyError(`ACM ImportCertificate failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status !== 200) {
      const { errorType, message } = acmError(response);
      throw new DependencyError(`ACM ImportCertificate failed: ${response.status} ${errorType ?? ""}`.trimEnd(), {
        cause: new AcmRequestError(response.status, errorType, message, response.headers["x-amzn-requestid"]),
      });
    }
    const certificateArn = parseJson(response.body)?.CertificateArn;
    if (typeof certificateArn !== "string" || certificateArn === "") {
      throw new DependencyError("ACM ImportCertificate returned no CertificateArn");
    }
    return { certificateArn };
  }
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error type and message of a failed JSON-protocol response. The type is
 * `__type` (or the `x-amzn-errortype` header) without its namespace
 * (`com.amazonaws.acm#`) or trailing `:<url>`, as the SDK reads it. The
 * message loses any long base64 run, so that it cannot carry key material
 * back into logs even if a service echoed input.
 */
function acmError(response: AwsResponse): { errorType: string | undefined; message: string | undefined } {
  const body = parseJson(response.body);
  const rawType = typeof body?.__type === "string" ? body.__type : response.headers["x-amzn-errortype"];
  const errorType = rawType?.split(":")[0]?.split("#").pop() || undefined;
  const rawMessage = body?.message ?? body?.Message;
  const message =
    typeof rawMessage === "string" ? rawMessage.replace(/[A-Za-z0-9+/=]{40,}/g, "[redacted]").slice(0, 500) : undefined;
  return { errorType, message };
}
