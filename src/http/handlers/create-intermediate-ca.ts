/** `POST /certificates/intermediate`: creates an intermediate CA signed by a root. */
import { certificateRepository, configuredObjectStore, issuanceContext } from "../../composition-root.js";
import { createIntermediateCertificateAuthority } from "../../core/issuance/create-intermediate-certificate-authority.js";
import { apiHandler, jsonResponse, parseBody } from "../api-handler.js";
import { intermediateCreatedBody } from "../certificate-responses.js";
import { createIntermediateBody } from "../request-schemas.js";

export const handler = apiHandler(
  async (event) => {
    const issued = await createIntermediateCertificateAuthority(
      parseBody(event, createIntermediateBody),
      certificateRepository(),
      issuanceContext(),
    );
    return jsonResponse(201, intermediateCreatedBody(issued));
  },
  { idempotencyStore: configuredObjectStore },
);
