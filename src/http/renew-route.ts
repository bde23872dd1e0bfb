/**
 * What `POST /certificates/{server|device}/{serial_number}/renew` shares: a
 * new certificate with the old one's subject, SANs, issuer, key algorithm
 * and EKU; a server certificate with a key the service holds replaces the old
 * one in ACM on the same certificate ARN. Each kind has its own module and
 * function (handlers/renew-server-certificate.ts, handlers/renew-device-certificate.ts), so
 * that only the server one carries the ACM client and may call ACM.
 */
import { certificateRepository, configuredObjectStore, issuanceContext } from "../composition-root.js";
import type { LeafKind } from "../core/certificate-profiles.js";
import { renewCertificate } from "../core/lifecycle/renew-certificate.js";
import type { CertificateImporter } from "../core/ports.js";
import { type ApiHandler, apiHandler, jsonResponse, parseBody, parsePathParameter } from "./api-handler.js";
import { renewedBody } from "./issued-leaf-responses.js";
import { renewBody, serialNumber } from "./request-schemas.js";

/** Device certificates are never imported into ACM: their renewal has no importer. */
const NO_IMPORTER: CertificateImporter = {
  importCertificate: () => Promise.reject(new Error("only server certificates are imported into ACM")),
};

/** The renew route of one kind; `importer` only for server certificates. */
export function renewHandler(kind: LeafKind, importer?: () => CertificateImporter): ApiHandler {
  return apiHandler(
    async (event) => {
      const serial = parsePathParameter(event, "serial_number", serialNumber);
      const { output, ...request } = parseBody(event, renewBody);
      const renewed = await renewCertificate(
        { kind, serialNumber: serial, ...request },
        certificateRepository(),
        importer?.() ?? NO_IMPORTER,
        issuanceContext(),
      );
      return jsonResponse(201, await renewedBody(renewed, output));
    },
    { idempotencyStore: configuredObjectStore },
  );
}
