/**
 * `GET /certificates/{root|intermediate|server|device}`: the inventory, one
 * page at a time (`limit`, `next_token`), filtered by `issuer`,
 * `expires_before`, `status` and `expires_within_days` (valid, not renewed,
 * expiring within N days: the expiry scan's question). One function serves the four paths.
 */
import { certificateRepository } from "../../composition-root.js";
import { listCertificates } from "../../core/inventory/list-certificates.js";
import { apiHandler, jsonResponse, parseQuery } from "../api-handler.js";
import { inventoryItemView } from "../certificate-responses.js";
import { listQuery } from "../request-schemas.js";
import { kindOf } from "./get-certificate.js";

export const handler = apiHandler(async (event) => {
  const query = parseQuery(event, listQuery);
  const page = await listCertificates(
    {
      kind: kindOf(event),
      limit: query.limit,
      nextToken: query.next_token,
      issuer: query.issuer,
      expiresBefore: query.expires_before,
      status: query.status,
      expiresWithinDays: query.expires_within_days,
    },
    certificateRepository(),
  );
  return jsonResponse(200, { items: page.items.map(inventoryItemView), next_token: page.nextToken });
});
