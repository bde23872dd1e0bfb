/** `POST /certificates/device`: issues a device (TLS client) certificate. */
import { certificateRepository } from "../../composition-root.js";
import { issueDeviceCertificate } from "../../core/issuance/issue-device-certificate.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { deviceIssuedBody } from "../certificate-responses.js";
import { issueDeviceBody } from "../request-schemas.js";

export const handler = apiHandler(async (event) => {
  const issued = await issueDeviceCertificate(parseBody(event, issueDeviceBody), certificateRepository());
  return jsonResponse(201, deviceIssuedBody(issued));
});
