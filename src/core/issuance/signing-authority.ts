import { parseCertificate, type SigningAuthority } from "../certificate-builder.js";
import type { CertificateAuthorityKind } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { importPrivateKeyPem } from "../key-algorithms.js";

/** Loads the CA `name` with its private key, ready to sign. NotFoundError names the `issuer` field. */
export async function loadSigningAuthority(
  repository: CertificateRepository,
  kind: CertificateAuthorityKind,
  name: string,
  crypto: Crypto = globalThis.crypto,
): Promise<SigningAuthority> {
  const record = await repository.getAuthority(kind, name, "issuer");
  const privateKeyPem = await repository.getAuthorityPrivateKey(record);
  return {
    name,
    kind,
    certificate: parseCertificate(record.certificate),
    privateKey: await importPrivateKeyPem(privateKeyPem, record.key_algorithm, crypto),
    keyAlgorithm: record.key_algorithm,
    chainPem: record.certificate_chain,
  };
}
