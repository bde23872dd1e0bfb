/**
 * CertificateImporter for local development: records each import as a JSON
 * file in the local store (`acm_imports/<id>.json`, without the private key)
 * and answers with an ACM-shaped ARN in the `local` region.
 */
import { randomUUID } from "node:crypto";
import type { CertificateImporter, CertificateImportRequest, ObjectStore } from "../core/ports.js";

export const LOCAL_ACM_ARN_PREFIX = "arn:aws:acm:local:000000000000:certificate/";

export class LocalCertificateImporter implements CertificateImporter {
  constructor(private readonly store: ObjectStore) {}

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    const id = randomUUID();
    const certificateArn = `${LOCAL_ACM_ARN_PREFIX}${id}`;
    const record = {
      certificate_arn: certificateArn,
      imported_at: new Date().toISOString(),
      certificate: request.certificatePem,
      certificate_chain: request.certificateChainPem,
      tags: request.tags,
    };
    await this.store.putIfAbsent(`acm_imports/${id}.json`, `${JSON.stringify(record, null, 2)}\n`, "application/json");
    return { certificateArn };
  }
}
