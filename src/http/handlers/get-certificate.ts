/**
 * `GET /certificates/{root|intermediate}/{name}` and
 * `GET /certificates/{server|device}/{serial_number}`: one certificate with its
 * chain and status (and a CA's AWS IoT Core registration), never a key. One
 * function serves all four paths on purpose: the code and the read-only
 * permissions are the same.
 *
 * With `Accept: application/x-pem-file` the body is the PEM chain itself (the
 * certificate then its issuers), ready for `curl -o`: a CA's is its trust bundle.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { certificateRepository, configuredObjectStore } from "../../composition-root.js";
import type { CertificateKind } from "../../core/certificate-profiles.js";
import { getCertificate } from "../../core/inventory/get-certificate.js";
import { IotRegistrationRecords } from "../../core/iot/iot-registration-records.js";
import { apiHandler, jsonResponse, parsePathParameter } from "../api-handler.js";
import { certificateDetailsBody } from "../certificate-responses.js";
import { headerValue } from "../header-value.js";
import { caName, serialNumber } from "../request-schemas.js";

export const handler = apiHandler(async (event) => {
  const kind = kindOf(event);
  const id =
    kind === "root" || kind === "intermediate"
      ? parsePathParameter(event, "name", caName)
      : parsePathParameter(event, "serial_number", serialNumber);
  const details = await getCertificate({ kind, id }, certificateRepository(), {
    iotRegistrations: new IotRegistrationRecords(configuredObjectStore()),
  });
  if (/application\/(x-pem-file|pem-certificate-chain)/.test(headerValue(event, "accept") ?? "")) {
    const { record } = details;
    const pem =
      kind === "root" || kind === "intermediate"
        ? record.certificate_chain
        : record.certificate + record.certificate_chain;
    return { statusCode: 200, headers: { "Content-Type": "application/x-pem-file" }, body: pem };
  }
  return jsonResponse(200, certificateDetailsBody(details));
});

/** The kind is the path segment after `/certificates/` in the API Gateway resource. */
export function kindOf(event: APIGatewayProxyEvent): CertificateKind {
  const segment = event.resource.split("/")[2];
  if (segment === "root" || segment === "intermediate" || segment === "server" || segment === "device") return segment;
  throw new Error(`route ${event.resource} has no certificate kind`);
}
