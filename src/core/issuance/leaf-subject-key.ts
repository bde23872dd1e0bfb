import type { SubjectAltName } from "../certificate-profiles.js";
import {
  assertRequestedNamesAllowed,
  type VerifiedSigningRequest,
  verifySigningRequest,
} from "../certificate-signing-request.js";
import { InvalidRequestError } from "../errors.js";
import type { KeyAlgorithm } from "../key-algorithms.js";
import type { LeafRequest } from "./issued-certificate.js";

/**
 * The subject key of a leaf when the request carries a CSR: verified (once),
 * of an allowed algorithm, asking only for the names `namesFor` gives for it
 * (they may depend on the CSR, e.g. a device id taken from its CN).
 * Undefined when there is no CSR (the service generates the key).
 */
export async function subjectKeyFromSigningRequest(
  request: LeafRequest,
  namesFor: (signingRequest: VerifiedSigningRequest) => { commonName: string; subjectAltNames: SubjectAltName[] },
  crypto: Crypto = globalThis.crypto,
): Promise<{ publicKey: CryptoKey; keyAlgorithm: KeyAlgorithm; commonName: string | undefined } | undefined> {
  if (request.csr === undefined) return undefined;
  const signingRequest = await verifySigningRequest(request.csr, crypto);
  if (request.keyAlgorithm !== undefined && request.keyAlgorithm !== signingRequest.keyAlgorithm) {
    throw new InvalidRequestError(
      `key_algorithm is ${request.keyAlgorithm} but the CSR's key is ${signingRequest.keyAlgorithm}; omit key_algorithm with a CSR`,
      "key_algorithm",
    );
  }
  assertRequestedNamesAllowed(signingRequest, namesFor(signingRequest));
  return {
    publicKey: signingRequest.publicKey,
    keyAlgorithm: signingRequest.keyAlgorithm,
    commonName: signingRequest.commonName,
  };
}
