import { buildCertificate, certificatePem } from "../certificate-builder.js";
import type { CertificateRecord, CertificateRepository } from "../certificate-repository.js";
import { InvalidRequestError } from "../errors.js";
import { announce, issuedEvent } from "../events/certificate-events.js";
import { CA_KEY_ALGORITHMS, type CertificateAuthorityKeyAlgorithm, DEFAULT_KEY_ALGORITHM } from "../key-algorithms.js";
import { validityPeriod } from "../validity.js";
import {
  type CaRequest,
  DEFAULT_CA_NAME,
  type IssuanceContext,
  type IssuedCertificate,
  type SubjectRequest,
} from "./issued-certificate.js";
import { defaultCaKeyCustodies } from "./signing-authority.js";

export interface CreateRootRequest extends SubjectRequest, CaRequest {
  /** The CA's name, a slug; default `default`. */
  name?: string | undefined;
  /** The CA's common name; default `<name> Root CA`. The seed's `fqdn` field. */
  commonName?: string | undefined;
}

/** Default lifetime of a root CA: 10 years. */
export const DEFAULT_ROOT_VALIDITY_DAYS = 3650;

/**
 * Creates a self-signed root CA, its key in the custody `request.keyStorage`
 * names. ConflictError when the name is taken (nothing is changed then).
 */
export async function createRootCertificateAuthority(
  request: CreateRootRequest,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<IssuedCertificate> {
  const { clock = () => new Date(), crypto = globalThis.crypto } = context;
  const name = request.name ?? DEFAULT_CA_NAME;
  const keyAlgorithm = request.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM;
  if (!(CA_KEY_ALGORITHMS as readonly string[]).includes(keyAlgorithm)) {
    throw new InvalidRequestError(`a CA key must be one of ${CA_KEY_ALGORITHMS.join(", ")}`, "key_algorithm");
  }
  const caKeys = context.caKeys ?? defaultCaKeyCustodies(repository, crypto);
  const custody = caKeys.custody(request.keyStorage ?? caKeys.defaultStorage);
  const now = clock();
  const validity = validityPeriod({ now, validityDays: request.validityDays ?? DEFAULT_ROOT_VALIDITY_DAYS });
  await repository.assertAuthorityNameFree("root", name);

  const key = await custody.createKey({
    kind: "root",
    name,
    keyAlgorithm: keyAlgorithm as CertificateAuthorityKeyAlgorithm,
  });
  try {
    const certificate = await buildCertificate(
      {
        kind: "root",
        subject: {
          commonName: request.commonName ?? `${name} Root CA`,
          country: request.country,
          state: request.state,
          organization: request.organization,
        },
        subjectPublicKey: key.publicKey,
        subjectKeyAlgorithm: keyAlgorithm,
        validity,
      },
      { selfSigner: key.signer },
      crypto,
    );
    const pem = certificatePem(certificate);
    const serialNumber = certificate.serialNumber.toLowerCase();
    const record: CertificateRecord = {
      kind: "root",
      subject_id: name,
      serial_number: serialNumber,
      key_algorithm: keyAlgorithm,
      not_before: certificate.notBefore.toISOString(),
      not_after: certificate.notAfter.toISOString(),
      created_at: now.toISOString(),
      folder: repository.folderOf("root", name, serialNumber),
      certificate: pem,
      certificate_chain: pem,
      ...key.reference,
    };
    await repository.createAuthority(record, { certificatePem: pem, privateKeyPem: key.privateKeyPem });
    await announce(context.events, [issuedEvent(record)]);
    return { record };
  } catch (error) {
    await key.discard();
    throw error;
  }
}
