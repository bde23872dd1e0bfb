/** `POST /certificates/server`: issues a server certificate (generated key or CSR) and imports it into ACM. */
import {
  certificateImporter,
  certificateRepository,
  configuredObjectStore,
  issuanceContext,
} from "../../composition-root.js";
import { issueServerCertificate } from "../../core/issuance/issue-server-certificate.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { serverIssuedBody } from "../issued-leaf-responses.js";
import { issueServerBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const { output, ...request } = parseBody(event, issueServerBody);
    const issued = await issueServerCertificate(
      request,
      certificateRepository(),
      certificateImporter(),
      issuanceContext(),
    );
    return jsonResponse(201, await serverIssuedBody(issued, output));
  },
  { idempotencyStore: configuredObjectStore },
);
