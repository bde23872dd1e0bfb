/**
 * `POST /certificates/device/batch`: issues up to 1,000 device certificates in
 * one call. `201` when every device was issued (and registered with AWS IoT
 * Core, when asked), `207` when some failed; each result carries its own
 * status, and its `iot` says whether IoT registered it. The issuer chain is
 * given once, at the top; with `iot`, so are the counts of IoT registrations.
 */
import {
  certificateRepository,
  configuredObjectStore,
  deviceIotContext,
  issuanceContext,
} from "../../composition-root.js";
import { issueDeviceBatch } from "../../core/issuance/issue-device-batch.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { iotRegistrationView } from "../iot-device-responses.js";
import { problemFor } from "../problem.js";
import { issueDeviceBatchBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const request = parseBody(event, issueDeviceBatchBody);
    const results = await issueDeviceBatch(request, certificateRepository(), {
      ...issuanceContext(),
      iot: deviceIotContext(),
    });
    const issuedCount = results.filter((result) => result.ok).length;
    const chain = results.find((result) => result.ok)?.issued.record.certificate_chain ?? null;
    const iotResults = results.flatMap((result) => (result.ok && result.issued.iot ? [result.issued.iot] : []));
    const iotRegistered = iotResults.filter((iot) => iot.registered).length;
    const complete = issuedCount === results.length && iotRegistered === iotResults.length;
    return jsonResponse(complete ? 201 : 207, {
      message: `${issuedCount} of ${results.length} device certificates issued.`,
      issuer: request.issuer ?? "default",
      issued: issuedCount,
      failed: results.length - issuedCount,
      ...(iotResults.length > 0
        ? { iot: { registered: iotRegistered, failed: iotResults.length - iotRegistered } }
        : {}),
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
          ...(result.issued.iot ? { iot: iotRegistrationView(record.serial_number, result.issued.iot) } : {}),
        };
      }),
    });
  },
  { idempotencyStore: configuredObjectStore },
);
