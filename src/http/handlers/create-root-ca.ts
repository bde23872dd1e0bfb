/** `POST /certificates/root`: creates a self-signed root CA. */
import { certificateRepository, configuredObjectStore, issuanceContext } from "../../composition-root.js";
import { createRootCertificateAuthority } from "../../core/issuance/create-root-certificate-authority.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { rootCreatedBody } from "../certificate-responses.js";
import { createRootBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const issued = await createRootCertificateAuthority(
      parseBody(event, createRootBody),
      certificateRepository(),
      issuanceContext(),
    );
    return jsonResponse(201, rootCreatedBody(issued));
  },
  { idempotencyStore: configuredObjectStore },
);
