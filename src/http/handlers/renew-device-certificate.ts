/**
 * `POST /certificates/device/{serial_number}/renew`: renews a device
 * certificate; when the old one is registered with AWS IoT Core, the new one
 * is registered the same way (`iot` in the answer, as on issuance).
 */
import { deviceIotContext } from "../../composition-root.js";
import { renewHandler } from "../renew-route.js";

export const handler = renewHandler("device", { iot: deviceIotContext });
