/**
 * `POST /certificates/{kind}/{id}/revoke`: revokes an intermediate CA or a
 * server or device certificate (body: optional RFC 5280 `reason`) and
 * re-signs the issuer's CRL. Roots answer 400: nothing above them signs a CRL.
 * A device certificate registered with AWS IoT Core is set REVOKED there too;
 * the response's `iot` says whether that worked (the revocation stands either
 * way; `iot.retry` sets the IoT status again).
 */
import {
  caKeyCustodiesOfDeployment,
  certificateRepository,
  configuredObjectStore,
  deviceIotContext,
  eventPublisher,
} from "../../composition-root.js";
import { revokeCertificate } from "../../core/revocation/revoke-certificate.js";
import { apiHandler, jsonResponse, parseBody, parsePathParameter } from "../api-handler.js";
import { revokedBody } from "../certificate-responses.js";
import { iotRevocationView } from "../iot-device-responses.js";
import { caName, revokeBody, serialNumber } from "../request-schemas.js";
import { kindOf } from "./get-certificate.js";

export const handler = apiHandler(
  async (event) => {
    const kind = kindOf(event);
    const id =
      kind === "root" || kind === "intermediate"
        ? parsePathParameter(event, "name", caName)
        : parsePathParameter(event, "serial_number", serialNumber);
    const { reason } = parseBody(event, revokeBody);
    const revoked = await revokeCertificate({ kind, id, reason }, certificateRepository(), {
      events: eventPublisher(),
      caKeys: caKeyCustodiesOfDeployment(),
      ...(kind === "device" ? { iot: deviceIotContext() } : {}),
    });
    const { iot } = revoked;
    return jsonResponse(200, {
      ...revokedBody(revoked),
      ...(iot ? { iot: iotRevocationView(revoked.record.serial_number, iot) } : {}),
    });
  },
  { idempotencyStore: configuredObjectStore },
);
