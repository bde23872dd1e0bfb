import { parseCertificate, type SigningAuthority } from "../certificate-builder.js";
import type { CertificateAuthorityKind } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { importPrivateKeyPem } from "../key-algorithms.js";
import { SoftwareSigner } from "../signer.js";

/**
 * Parsed CAs, per repository. A CA's record and key are never overwritten
 * (creation is a conditional write and nothing rewrites them), so once loaded
 * a CA can be reused for the life of the process: warm Lambda invocations and
 * batch issuance skip two GETs, a certificate parse and a key import.
 */
const loadedAuthorities = new WeakMap<CertificateRepository, Map<string, Promise<SigningAuthority>>>();

/** Loads the CA `name` with a signer of its private key, ready to sign. NotFoundError names the `issuer` field. */
export async function loadSigningAuthority(
  repository: CertificateRepository,
  kind: CertificateAuthorityKind,
  name: string,
  crypto: Crypto = globalThis.crypto,
): Promise<SigningAuthority> {
  let cache = loadedAuthorities.get(repository);
  if (!cache) {
    cache = new Map();
    loadedAuthorities.set(repository, cache);
  }
  const key = `${kind}/${name}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = readSigningAuthority(repository, kind, name, crypto);
    cache.set(key, loading);
    // Failures (e.g. the CA does not exist yet) are not remembered.
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

async function readSigningAuthority(
  repository: CertificateRepository,
  kind: CertificateAuthorityKind,
  name: string,
  crypto: Crypto,
): Promise<SigningAuthority> {
  const record = await repository.getAuthority(kind, name, "issuer");
  const privateKeyPem = await repository.getAuthorityPrivateKey(record);
  return {
    name,
    kind,
    certificate: parseCertificate(record.certificate),
    // A key kept in the store signs in this process; a key elsewhere (KMS) would get its own Signer here.
    signer: new SoftwareSigner(
      await importPrivateKeyPem(privateKeyPem, record.key_algorithm, crypto),
      record.key_algorithm,
      crypto,
    ),
    chainPem: record.certificate_chain,
  };
}
