/**
 * `POST /certificates/device/batch`: issues up to 1,000 device certificates in
 * one call. `201` when every device was issued, `207` when some failed; each
 * result carries its own status. The issuer chain is given once, at the top.
 */
import { certificateRepository, configuredObjectStore, issuanceContext } from "../../composition-root.js";
import { issueDeviceBatch } from "../../core/issuance/issue-device-batch.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { problemFor } from "../problem.js";
import { issueDeviceBatchBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const request = parseBody(event, issueDeviceBatchBody);
    const results = await issueDeviceBatch(request, certificateRepository(), issuanceContext());
    const issuedCount = results.filter((result) => result.ok).length;
    const chain = results.find((result) => result.ok)?.issued.record.certificate_chain ?? null;
    return jsonResponse(issuedCount === results.length ? 201 : 207, {
      message: `${issuedCount} of ${results.length} device certificates issued.`,
      issuer: request.issuer ?? "default",
      issued: issuedCount,
      failed: results.length - issuedCount,
      certificate_chain: chain,
      results: results.map((result) => {
        if (!result.ok) {
          const problem = problemFor(result.error);
          return { device_id: result.deviceId ?? null, status: problem.status, error: problem };
        }
        const { record, privateKeyPem } = result.issued;
        return {
          device_id: record.subject_id,
          status: 201,
          serial_number: record.serial_number,
          key_algorithm: record.key_algorithm,
          not_before: record.not_before,
          not_after: record.not_after,
          s3_folder: record.folder,
          certificate: record.certificate,
          ...(privateKeyPem === undefined ? {} : { private_key: privateKeyPem }),
        };
      }),
    });
  },
  { idempotencyStore: configuredObjectStore },
);
