/** `POST /certificates/device/{serial_number}/renew`: renews a device certificate. */
import { renewHandler } from "../renew-route.js";

export const handler = renewHandler("device");
