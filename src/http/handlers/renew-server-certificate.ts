/** `POST /certificates/server/{serial_number}/renew`: renews a server certificate; re-imported into ACM on the same ARN. */
import { certificateImporter } from "../../composition-root.js";
import { renewHandler } from "../renew-route.js";

export const handler = renewHandler("server", { importer: certificateImporter });
