/**
 * `GET /crl/root/{name}` and `GET /crl/intermediate/{name}`: the CA's current
 * signed CRL, DER (`application/pkix-crl`, what CRL Distribution Points
 * serve) or PEM with `Accept: application/x-pem-file` or `?format=pem`.
 * CA names are unique per kind (a root and an intermediate may both be
 * `default`), so the kind is part of the path.
 */
import * as z from "zod";
import { caKeyCustodiesOfDeployment, certificateRepository, eventPublisher } from "../../composition-root.js";
import { pemDecode } from "../../core/pem.js";
import { currentCertificateRevocationList } from "../../core/revocation/publish-certificate-revocation-list.js";
import { apiHandler, parsePathParameter, parseQuery } from "../api-handler.js";
import { headerValue } from "../header-value.js";
import { caName } from "../request-schemas.js";

const crlQuery = z.strictObject({ format: z.enum(["der", "pem"], { error: "must be der or pem" }).optional() });

export const handler = apiHandler(async (event) => {
  const kind = event.resource.startsWith("/crl/root/") ? "root" : "intermediate";
  const name = parsePathParameter(event, "name", caName);
  const { format } = parseQuery(event, crlQuery);
  const pem = await currentCertificateRevocationList({ kind, name }, certificateRepository(), {
    events: eventPublisher(),
    caKeys: caKeyCustodiesOfDeployment(),
  });
  if (
    format === "pem" ||
    (format === undefined && /application\/x-pem-file/.test(headerValue(event, "accept") ?? ""))
  ) {
    return { statusCode: 200, headers: { "Content-Type": "application/x-pem-file" }, body: pem };
  }
  const der = Buffer.from(pemDecode(pem, "X509 CRL"));
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/pkix-crl" },
    body: der.toString("base64"),
    isBase64Encoded: true,
  };
});
