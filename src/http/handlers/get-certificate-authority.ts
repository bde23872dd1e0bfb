/**
 * `GET /certificates/root/{name}` and `GET /certificates/intermediate/{name}`:
 * a CA's certificate and chain (never its key), so a broker or device can
 * fetch its trust bundle. One function serves both paths on purpose: the
 * code and the permissions (read `ca.json` records) are the same.
 *
 * With `Accept: application/x-pem-file` the body is the PEM chain itself,
 * ready for `curl -o ca.pem`.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { certificateRepository } from "../../composition-root.js";
import { apiHandler, jsonResponse, parsePathParameter } from "../api-handler.js";
import { authorityBody } from "../certificate-responses.js";
import { caName } from "../request-schemas.js";

export const handler = apiHandler(async (event) => {
  const kind = event.resource.startsWith("/certificates/root") ? "root" : "intermediate";
  const name = parsePathParameter(event, "name", caName);
  const record = await certificateRepository().getAuthority(kind, name);
  if (wantsPem(event)) {
    return { statusCode: 200, headers: { "Content-Type": "application/x-pem-file" }, body: record.certificate_chain };
  }
  return jsonResponse(200, authorityBody(record));
});

function wantsPem(event: APIGatewayProxyEvent): boolean {
  const accept = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === "accept")?.[1] ?? "";
  return /application\/(x-pem-file|pem-certificate-chain)/.test(accept);
}
