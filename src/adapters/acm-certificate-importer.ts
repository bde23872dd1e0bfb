/**
 * CertificateImporter on AWS Certificate Manager (ImportCertificate) through
 * `@aws-sdk/client-acm`. Signing, retries, region, credentials and endpoints
 * are the SDK's, configured where the client is made (src/composition-root.ts,
 * which loads this module only on the first import: only the server
 * certificate function imports into ACM).
 */
import { type ACMClient, ImportCertificateCommand } from "@aws-sdk/client-acm";
import { DependencyError } from "../core/errors.js";
import type { CertificateImporter, CertificateImportRequest } from "../core/ports.js";

const encoder = new TextEncoder();

export class AcmCertificateImporter implements CertificateImporter {
  constructor(private readonly client: ACMClient) {}

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    let certificateArn: string | undefined;
    try {
      const response = await this.client.send(
        new ImportCertificateCommand({
          Certificate: encoder.encode(request.certificatePem),
          PrivateKey: encoder.encode(request.privateKeyPem),
          CertificateChain: encoder.encode(request.certificateChainPem),
          CertificateArn: request.certificateArn,
          // ACM refuses tags on a re-import (the certificate keeps the ones it has).
          Tags:
            request.certificateArn === undefined
              ? Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value }))
              : undefined,
        }),
      );
      certificateArn = response.CertificateArn;
    } catch (error) {
      throw new DependencyError(`ACM ImportCertificate failed: ${answerOf(error)}`, { cause: error });
    }
    if (!certificateArn) throw new DependencyError("ACM ImportCertificate returned no CertificateArn");
    return { certificateArn };
  }
}

/**
 * HTTP status and ACM's error type, or the network error's code: never the
 * service's message, which could echo what was sent (the private key).
 */
function answerOf(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const name = error instanceof Error ? error.name : "unknown error";
  if (status !== undefined) return `${status} ${name}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  return `no response (${typeof code === "string" ? code : name})`;
}
