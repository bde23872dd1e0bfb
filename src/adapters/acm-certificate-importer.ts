/** CertificateImporter on AWS Certificate Manager (ImportCertificate). */
import { type ACMClient, ImportCertificateCommand } from "@aws-sdk/client-acm";
import type { CertificateImporter, CertificateImportRequest } from "../core/ports.js";

const encoder = new TextEncoder();

export class AcmCertificateImporter implements CertificateImporter {
  constructor(private readonly client: ACMClient) {}

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    const response = await this.client.send(
      new ImportCertificateCommand({
        Certificate: encoder.encode(request.certificatePem),
        PrivateKey: encoder.encode(request.privateKeyPem),
        CertificateChain: encoder.encode(request.certificateChainPem),
        Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    if (!response.CertificateArn) throw new Error("ACM ImportCertificate returned no CertificateArn");
    return { certificateArn: response.CertificateArn };
  }
}
