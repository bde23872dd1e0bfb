/** `POST /certificates/server`: issues a server certificate and imports it into ACM. */
import { certificateImporter, certificateRepository } from "../../composition-root.js";
import { issueServerCertificate } from "../../core/issuance/issue-server-certificate.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { serverIssuedBody } from "../certificate-responses.js";
import { issueServerBody } from "../request-schemas.js";

export const handler = apiHandler(async (event) => {
  const issued = await issueServerCertificate(
    parseBody(event, issueServerBody),
    certificateRepository(),
    certificateImporter(),
  );
  return jsonResponse(201, serverIssuedBody(issued));
});
