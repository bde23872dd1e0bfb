/**
 * CertificateImporter for local development: records each import as a JSON
 * file in the local store (`acm_imports/<id>.json`, without the private key)
 * and answers with an ACM-shaped ARN in the `local` region. A re-import onto
 * an ARN (a renewal) keeps that ARN and is recorded beside the first import
 * (`acm_imports/<id>.reimport-<uuid>.json`), as ACM keeps one ARN per certificate slot.
 */
import { randomUUID } from "node:crypto";
import type { CertificateImporter, CertificateImportRequest, ObjectStore } from "../core/ports.js";

export const LOCAL_ACM_ARN_PREFIX = "arn:aws:acm:local:000000000000:certificate/";

export class LocalCertificateImporter implements CertificateImporter {
  constructor(private readonly store: ObjectStore) {}

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    const reimportedId = request.certificateArn?.startsWith(LOCAL_ACM_ARN_PREFIX)
      ? request.certificateArn.slice(LOCAL_ACM_ARN_PREFIX.length)
      : undefined;
    const id = reimportedId && /^[A-Za-z0-9-]{1,64}$/.test(reimportedId) ? reimportedId : randomUUID();
    const certificateArn = request.certificateArn ?? `${LOCAL_ACM_ARN_PREFIX}${id}`;
    const record = {
      certificate_arn: certificateArn,
      [request.certificateArn === undefined ? "imported_at" : "reimported_at"]: new Date().toISOString(),
      certificate: request.certificatePem,
      certificate_chain: request.certificateChainPem,
      tags: request.tags,
    };
    const key =
      request.certificateArn === undefined
        ? `acm_imports/${id}.json`
        : `acm_imports/${id}.reimport-${randomUUID()}.json`;
    await this.store.putIfAbsent(key, `${JSON.stringify(record, null, 2)}\n`, "application/json");
    return { certificateArn };
  }
}
