import type { CertificateRepository } from "../certificate-repository.js";
import { InvalidRequestError } from "../errors.js";
import { announce, issuedEvent } from "../events/certificate-events.js";
import { CA_KEY_ALGORITHMS, type CertificateAuthorityKeyAlgorithm, DEFAULT_KEY_ALGORITHM } from "../key-algorithms.js";
import {
  type CaRequest,
  DEFAULT_CA_NAME,
  type IssuanceContext,
  type IssuedCertificate,
  type SignedRequest,
} from "./issued-certificate.js";
import { signWithAuthority } from "./sign-with-authority.js";
import { defaultCaKeyCustodies, loadSigningAuthority } from "./signing-authority.js";

export interface CreateIntermediateRequest extends SignedRequest, CaRequest {
  /** The CA's name, a slug; default `default`. Typical: `servers`, `devices`. */
  name?: string | undefined;
  /** The CA's common name; default `<name> Intermediate CA`. The seed's `fqdn` field. */
  commonName?: string | undefined;
}

/** Default lifetime of an intermediate CA: 5 years. */
export const DEFAULT_INTERMEDIATE_VALIDITY_DAYS = 1825;

/**
 * Creates an intermediate CA signed by the root `issuer`, its key in the
 * custody `request.keyStorage` names (the root's may be another). Its chain
 * file holds the intermediate then the root. ConflictError when the name is taken.
 */
export async function createIntermediateCertificateAuthority(
  request: CreateIntermediateRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<IssuedCertificate> {
  const name = request.name ?? DEFAULT_CA_NAME;
  const keyAlgorithm = request.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM;
  if (!(CA_KEY_ALGORITHMS as readonly string[]).includes(keyAlgorithm)) {
    throw new InvalidRequestError(`a CA key must be one of ${CA_KEY_ALGORITHMS.join(", ")}`, "key_algorithm");
  }
  const caKeys = context.caKeys ?? defaultCaKeyCustodies(repository, context.crypto);
  const custody = caKeys.custody(request.keyStorage ?? caKeys.defaultStorage);
  repository.folderOf("intermediate", name, "0".repeat(32));
  await repository.assertAuthorityNameFree("intermediate", name);
  // A missing root fails here, before a key is made anywhere.
  await loadSigningAuthority(repository, "root", request.issuer ?? DEFAULT_CA_NAME, { ...context, caKeys });

  const key = await custody.createKey({
    kind: "intermediate",
    name,
    keyAlgorithm: keyAlgorithm as CertificateAuthorityKeyAlgorithm,
  });
  try {
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
        subjectKey: { publicKey: key.publicKey, keyAlgorithm },
      },
      repository,
      { ...context, caKeys },
    );
    const chainPem = signed.record.certificate + signed.issuerChainPem;
    const record = { ...signed.record, certificate_chain: chainPem, ...key.reference };
    await repository.createAuthority(record, {
      certificatePem: record.certificate,
      certificateChainPem: chainPem,
      privateKeyPem: key.privateKeyPem,
    });
    await announce(context.events, [issuedEvent(record)]);
    return { record };
  } catch (error) {
    await key.discard();
    throw error;
  }
}
