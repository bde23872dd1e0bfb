/**
 * `npm run postman [-- --base-url URL] [--auth aws] [--out FILE]`: writes the
 * runnable Postman collection (scripts/postman-collection.ts) of this
 * checkout's OpenAPI document, by default to
 * postman/iot-certificates.postman_collection.json for the local server
 * (http://127.0.0.1:3000). With `--base-url https://…/Prod --auth aws` it is
 * ready for a deployed stack (AWS Signature with your keys).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { openApiDocument } from "../src/http/api-description.js";
import { COLLECTION_PATH, collectionRequests, postmanCollection } from "./postman-collection.js";

const { values } = parseArgs({
  options: {
    "base-url": { type: "string" },
    auth: { type: "string", default: "bearer" },
    out: { type: "string", default: COLLECTION_PATH },
  },
});
if (values.auth !== "bearer" && values.auth !== "aws") {
  console.error(`--auth must be bearer or aws, not ${values.auth}`);
  process.exit(2);
}
const collection = await postmanCollection(openApiDocument(values["base-url"]?.replace(/\/+$/, "")), {
  auth: values.auth,
});
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(collection, null, 2)}\n`);
console.log(`wrote ${values.out}: ${collectionRequests(collection).length} requests`);
