import { type CaKeyCustodies, caKeyCustodies, keyStorageOf } from "../ca-key-custody.js";
import { parseCertificate, type SigningAuthority } from "../certificate-builder.js";
import type { CertificateAuthorityKind } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { SoftwareCaKeyCustody } from "../software-ca-key-custody.js";

/**
 * Parsed CAs, per repository. A CA's record and key are never overwritten
 * (creation is a conditional write and nothing rewrites them), so once loaded
 * a CA can be reused for the life of the process: warm Lambda invocations and
 * batch issuance skip two GETs, a certificate parse and a key import (or, for
 * a KMS key, its GetPublicKey).
 */
const loadedAuthorities = new WeakMap<CertificateRepository, Map<string, Promise<SigningAuthority>>>();

/** Where CA keys are, when the caller says nothing: the software custody on `repository`. */
export function defaultCaKeyCustodies(repository: CertificateRepository, crypto?: Crypto): CaKeyCustodies {
  return caKeyCustodies({ software: new SoftwareCaKeyCustody(repository, crypto) });
}

/** Loads the CA `name` with a signer of its private key, ready to sign. NotFoundError names the `issuer` field. */
export async function loadSigningAuthority(
  repository: CertificateRepository,
  kind: CertificateAuthorityKind,
  name: string,
  options: { crypto?: Crypto | undefined; caKeys?: CaKeyCustodies | undefined } = {},
): Promise<SigningAuthority> {
  let cache = loadedAuthorities.get(repository);
  if (!cache) {
    cache = new Map();
    loadedAuthorities.set(repository, cache);
  }
  const key = `${kind}/${name}`;
  let loading = cache.get(key);
  if (!loading) {
    const caKeys = options.caKeys ?? defaultCaKeyCustodies(repository, options.crypto);
    loading = readSigningAuthority(repository, kind, name, caKeys);
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
  caKeys: CaKeyCustodies,
): Promise<SigningAuthority> {
  const record = await repository.getAuthority(kind, name, "issuer");
  return {
    name,
    kind,
    certificate: parseCertificate(record.certificate),
    signer: await caKeys.custody(keyStorageOf(record)).signerFor(record),
    chainPem: record.certificate_chain,
  };
}
