/**
 * `POST /certificates/{root|intermediate}/{name}/iot-registration`: registers
 * the CA with AWS IoT Core (or, on the local store, its stand-in) and records
 * the registration beside the CA; `GET /certificates/{kind}/{name}` shows it.
 * Body (all optional): `mode` (SNI_ONLY, default, or DEFAULT with a
 * verification certificate this service signs with the CA's key),
 * `set_as_active`, `allow_auto_registration`, `provisioning` (JITP).
 */
import {
  caKeyCustodiesOfDeployment,
  certificateRepository,
  configuredObjectStore,
  iotProvisioningRoleArn,
  iotRegistry,
} from "../../composition-root.js";
import { IotRegistrationRecords } from "../../core/iot/iot-registration-records.js";
import { registerCertificateAuthorityWithIot } from "../../core/iot/register-certificate-authority.js";
import { apiHandler, jsonResponse, parseBody, parsePathParameter } from "../api-handler.js";
import { iotCaRegistrationBody } from "../certificate-responses.js";
import { caName, registerCaWithIotBody } from "../request-schemas.js";
import { kindOf } from "./get-certificate.js";

export const handler = apiHandler(
  async (event) => {
    const kind = kindOf(event);
    if (kind !== "root" && kind !== "intermediate") throw new Error(`route ${event.resource} is not a CA's`);
    const name = parsePathParameter(event, "name", caName);
    const body = parseBody(event, registerCaWithIotBody);
    const registration = await registerCertificateAuthorityWithIot(
      { kind, name, ...body },
      certificateRepository(),
      new IotRegistrationRecords(configuredObjectStore()),
      {
        iot: iotRegistry(),
        defaultProvisioningRoleArn: iotProvisioningRoleArn(),
        caKeys: caKeyCustodiesOfDeployment(),
      },
    );
    return jsonResponse(201, iotCaRegistrationBody(kind, name, registration));
  },
  { idempotencyStore: configuredObjectStore },
);
