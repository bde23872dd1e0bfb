/**
 * `POST /certificates/device`: issues a device (TLS client) certificate
 * (generated key or CSR); with `iot`, registers it with AWS IoT Core (`201`
 * either way once the certificate is stored: `iot.registered` says whether
 * IoT has it, and `iot.retry` how to finish).
 */
import {
  certificateRepository,
  configuredObjectStore,
  deviceIotContext,
  issuanceContext,
} from "../../composition-root.js";
import { issueDeviceCertificate } from "../../core/issuance/issue-device-certificate.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { deviceIssuedBody } from "../issued-leaf-responses.js";
import { issueDeviceBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const { output, ...request } = parseBody(event, issueDeviceBody);
    const issued = await issueDeviceCertificate(request, certificateRepository(), {
      ...issuanceContext(),
      iot: deviceIotContext(),
    });
    return jsonResponse(201, await deviceIssuedBody(issued, output));
  },
  { idempotencyStore: configuredObjectStore },
);
