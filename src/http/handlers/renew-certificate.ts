/**
 * `POST /certificates/server/{serial_number}/renew` and
 * `POST /certificates/device/{serial_number}/renew`: a new certificate with
 * the old one's subject, SANs, issuer, key algorithm and EKU; a server
 * certificate with a key the service holds replaces the old one in ACM on
 * the same certificate ARN. One module; the template gives each kind its own
 * function, so only the server one may touch ACM.
 */
import {
  certificateImporter,
  certificateRepository,
  configuredObjectStore,
  issuanceContext,
} from "../../composition-root.js";
import { renewCertificate } from "../../core/lifecycle/renew-certificate.js";
import { apiHandler, jsonResponse, parseBody, parsePathParameter } from "../api-handler.js";
import { renewedBody } from "../certificate-responses.js";
import { renewBody, serialNumber } from "../request-schemas.js";
import { kindOf } from "./get-certificate.js";

export const handler = apiHandler(
  async (event) => {
    const kind = kindOf(event);
    if (kind !== "server" && kind !== "device") throw new Error(`route ${event.resource} renews no leaf kind`);
    const serial = parsePathParameter(event, "serial_number", serialNumber);
    const { output, ...request } = parseBody(event, renewBody);
    const renewed = await renewCertificate(
      { kind, serialNumber: serial, ...request },
      certificateRepository(),
      certificateImporter(),
      issuanceContext(),
    );
    return jsonResponse(201, await renewedBody(renewed, output));
  },
  { idempotencyStore: configuredObjectStore },
);
