import { buildCertificate, certificatePem } from "../certificate-builder.js";
import type { CertificateAuthorityKind, CertificateKind, SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRecord, CertificateRepository } from "../certificate-repository.js";
import type { SubjectFields } from "../distinguished-name.js";
import { DEFAULT_KEY_ALGORITHM, exportPrivateKeyPem, generateKeyPair, type KeyAlgorithm } from "../key-algorithms.js";
import { validityPeriod } from "../validity.js";
import { DEFAULT_CA_NAME, type IssuanceContext, type SignedRequest } from "./issued-certificate.js";
import { loadSigningAuthority } from "./signing-authority.js";

export interface SignWithAuthorityParams {
  kind: Exclude<CertificateKind, "root">;
  /** CA name, FQDN or device id: the folder the certificate is stored under. */
  subjectId: string;
  subject: SubjectFields;
  request: SignedRequest;
  defaultValidityDays: number;
  issuerKind: CertificateAuthorityKind;
  subjectAltNames?: SubjectAltName[] | undefined;
  /** The subject's public key, when it comes from a CSR; otherwise a key pair is generated. */
  subjectKey?: { publicKey: CryptoKey; keyAlgorithm: KeyAlgorithm } | undefined;
}

export interface SignedCertificate {
  /** The record to store (chain: the issuer's chain, for leaves). */
  record: CertificateRecord;
  /** The generated private key (PEM PKCS#8); undefined when the key came from a CSR. */
  privateKeyPem: string | undefined;
  /** The issuer's chain, its own certificate first. */
  issuerChainPem: string;
}

/**
 * The steps every CA-signed certificate shares: load the issuer, clamp the
 * validity to it, generate the subject's key, sign. Storing is the caller's.
 */
export async function signWithAuthority(
  params: SignWithAuthorityParams,
  repository: CertificateRepository,
  context: IssuanceContext = {},
): Promise<SignedCertificate> {
  const { clock = () => new Date(), crypto = globalThis.crypto } = context;
  const { request } = params;
  const issuerName = request.issuer ?? DEFAULT_CA_NAME;
  const keyAlgorithm: KeyAlgorithm = params.subjectKey?.keyAlgorithm ?? request.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM;
  // Fail on a bad request or a missing issuer before the costly key generation.
  repository.folderOf(params.kind, params.subjectId, "0".repeat(32));
  const issuer = await loadSigningAuthority(repository, params.issuerKind, issuerName, {
    crypto,
    caKeys: context.caKeys,
  });
  const now = clock();
  const validity = validityPeriod({
    now,
    validityDays: request.validityDays ?? params.defaultValidityDays,
    behavior: request.validityBehavior,
    issuer: { name: issuerName, notBefore: issuer.certificate.notBefore, notAfter: issuer.certificate.notAfter },
  });

  // A leaf's key may come ready-made from a pool (the local server's, see key-pool.ts); a CA's key never does.
  const keys = params.subjectKey
    ? undefined
    : params.kind !== "intermediate" && context.keyPairs
      ? await context.keyPairs.take(keyAlgorithm)
      : await generateKeyPair(keyAlgorithm, crypto);
  const subjectPublicKey = params.subjectKey?.publicKey ?? (keys as CryptoKeyPair).publicKey;
  // The key's PKCS#8 export runs on the thread pool while the certificate is built and signed.
  const [certificate, privateKeyPem] = await Promise.all([
    buildCertificate(
      {
        kind: params.kind,
        subject: params.subject,
        subjectPublicKey,
        subjectKeyAlgorithm: keyAlgorithm,
        validity,
        subjectAltNames: params.subjectAltNames,
        crlDistributionPoint: context.publicBaseUrl
          ? `${context.publicBaseUrl.replace(/\/+$/, "")}/crl/${params.issuerKind}/${issuerName}`
          : undefined,
      },
      { issuer },
      crypto,
    ),
    keys ? exportPrivateKeyPem(keys.privateKey, crypto) : undefined,
  ]);
  const serialNumber = certificate.serialNumber.toLowerCase();
  return {
    record: {
      kind: params.kind,
      subject_id: params.subjectId,
      serial_number: serialNumber,
      key_algorithm: keyAlgorithm,
      issuer: issuerName,
      not_before: certificate.notBefore.toISOString(),
      not_after: certificate.notAfter.toISOString(),
      created_at: now.toISOString(),
      folder: repository.folderOf(params.kind, params.subjectId, serialNumber),
      certificate: certificatePem(certificate),
      certificate_chain: issuer.chainPem,
    },
    privateKeyPem,
    issuerChainPem: issuer.chainPem,
  };
}
