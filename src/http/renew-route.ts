/**
 * What `POST /certificates/{server|device}/{serial_number}/renew` shares: a
 * new certificate with the old one's subject, SANs, issuer, key algorithm
 * and EKU; a server certificate with a key the service holds replaces the old
 * one in ACM on the same certificate ARN, and a device certificate registered
 * with AWS IoT Core has its successor registered the same way. Each kind has
 * its own module and function (handlers/renew-server-certificate.ts,
 * handlers/renew-device-certificate.ts), so that only the server one carries
 * the ACM client and calls ACM, and only the device one the IoT client.
 */
import { certificateRepository, configuredObjectStore, issuanceContext } from "../composition-root.js";
import type { LeafKind } from "../core/certificate-profiles.js";
import type { IotContext } from "../core/iot/register-device-with-iot.js";
import { renewCertificate } from "../core/lifecycle/renew-certificate.js";
import type { CertificateImporter } from "../core/ports.js";
import { type ApiHandler, apiHandler, jsonResponse, parseBody, parsePathParameter } from "./api-handler.js";
import { renewedBody } from "./issued-leaf-responses.js";
import { renewBody, renewDeviceBody, serialNumber } from "./request-schemas.js";

/** Device certificates are never imported into ACM: their renewal has no importer. */
const NO_IMPORTER: CertificateImporter = {
  importCertificate: () => Promise.reject(new Error("only server certificates are imported into ACM")),
};

/** The services a kind's renewal calls: ACM for server certificates, AWS IoT Core for device certificates. */
export interface RenewServices {
  importer?: () => CertificateImporter;
  iot?: () => IotContext;
}

/** The renew route of one kind. */
export function renewHandler(kind: LeafKind, services: RenewServices = {}): ApiHandler {
  return apiHandler(
    async (event) => {
      const serial = parsePathParameter(event, "serial_number", serialNumber);
      const { output, ...request } = parseBody(event, kind === "device" ? renewDeviceBody : renewBody);
      const renewed = await renewCertificate(
        { kind, serialNumber: serial, ...request },
        certificateRepository(),
        services.importer?.() ?? NO_IMPORTER,
        { ...issuanceContext(), iot: services.iot?.() },
      );
      return jsonResponse(201, await renewedBody(renewed, output));
    },
    { idempotencyStore: configuredObjectStore },
  );
}
