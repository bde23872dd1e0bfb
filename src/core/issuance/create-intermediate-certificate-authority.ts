import type { CertificateRepository } from "../certificate-repository.js";
import { InvalidRequestError } from "../errors.js";
import { announce, issuedEvent } from "../events/certificate-events.js";
import { CA_KEY_ALGORITHMS } from "../key-algorithms.js";
import {
  DEFAULT_CA_NAME,
  type IssuanceContext,
  type IssuedCertificate,
  type SignedRequest,
} from "./issued-certificate.js";
import { signWithAuthority } from "./sign-with-authority.js";

export interface CreateIntermediateRequest extends SignedRequest {
  /** The CA's name, a slug; default `default`. Typical: `servers`, `devices`. */
  name?: string | undefined;
  /** The CA's common name; default `<name> Intermediate CA`. The seed's `fqdn` field. */
  commonName?: string | undefined;
}

/** Default lifetime of an intermediate CA: 5 years. */
export const DEFAULT_INTERMEDIATE_VALIDITY_DAYS = 1825;

/**
 * Creates an intermediate CA signed by the root `issuer`. Its chain file holds
 * the intermediate then the root. ConflictError when the name is taken.
 */
export async function createIntermediateCertificateAuthority(
  request: CreateIntermediateRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<IssuedCertificate> {
  const name = request.name ?? DEFAULT_CA_NAME;
  if (request.keyAlgorithm && !(CA_KEY_ALGORITHMS as readonly string[]).includes(request.keyAlgorithm)) {
    throw new InvalidRequestError(`a CA key must be one of ${CA_KEY_ALGORITHMS.join(", ")}`, "key_algorithm");
  }
  await repository.assertAuthorityNameFree("intermediate", name);
  const signed = await signWithAuthority(
    {
      kind: "intermediate",
      subjectId: name,
      subject: {
        commonName: request.commonName ?? `${name} Intermediate CA`,
        country: request.country,
        state: request.state,
        organization: request.organization,
      },
      request,
      defaultValidityDays: DEFAULT_INTERMEDIATE_VALIDITY_DAYS,
      issuerKind: "root",
    },
    repository,
    context,
  );
  const chainPem = signed.record.certificate + signed.issuerChainPem;
  const record = { ...signed.record, certificate_chain: chainPem };
  await repository.createAuthority(record, {
    certificatePem: record.certificate,
    certificateChainPem: chainPem,
    privateKeyPem: signed.privateKeyPem,
  });
  await announce(context.events, [issuedEvent(record)]);
  return { record };
}
