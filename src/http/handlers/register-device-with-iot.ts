/**
 * `POST /certificates/device/{serial_number}/iot-registration`: brings a
 * stored device certificate's AWS IoT Core registration up to date (body:
 * optional `thing_name`, `policy_name`, `without_ca`, as `iot` on issuance).
 * `201` when it registered the certificate now; `200` when IoT held it
 * already (an earlier attempt's thing and policy attached again, never a
 * second registration) or, for a revoked certificate, once IoT has it
 * REVOKED. The retry an issuance or revocation response's `iot.retry` names.
 */
import { certificateRepository, configuredObjectStore, deviceIotContext } from "../../composition-root.js";
import { registerStoredDeviceWithIot } from "../../core/iot/register-device-with-iot.js";
import { apiHandler, jsonResponse, parseBody, parsePathParameter } from "../api-handler.js";
import { storedDeviceRegistrationBody } from "../iot-device-responses.js";
import { deviceIotRegistrationBody, serialNumber } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const serial = parsePathParameter(event, "serial_number", serialNumber);
    const options = parseBody(event, deviceIotRegistrationBody);
    const result = await registerStoredDeviceWithIot(
      { serialNumber: serial, options },
      certificateRepository(),
      deviceIotContext(),
    );
    return jsonResponse(result.outcome === "registered" ? 201 : 200, storedDeviceRegistrationBody(result));
  },
  { idempotencyStore: configuredObjectStore },
);
