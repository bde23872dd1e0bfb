/**
 * Where a CA's private key lives, as a port. The software custody
 * (software-ca-key-custody.ts) keeps today's behaviour: a key generated in this process, stored as a PEM
 * beside the CA's certificate. Another custody (AWS KMS, in src/adapters)
 * creates the key where it stays and lends the core only a `Signer`.
 */

import type { CaKeyStorage } from "./ca-key-storage.js";
import type { CertificateAuthorityKind } from "./certificate-profiles.js";
import type { CertificateRecord } from "./certificate-repository.js";
import { InvalidRequestError } from "./errors.js";
import type { CertificateAuthorityKeyAlgorithm } from "./key-algorithms.js";
import type { Signer } from "./signer.js";

export { CA_KEY_STORAGES, type CaKeyStorage } from "./ca-key-storage.js";

/** A new CA key, ready to certify and to sign with. */
export interface CreatedCaKey {
  publicKey: CryptoKey;
  signer: Signer;
  /** What the CA record says of the key: its storage and, for KMS, its ARN. */
  reference: { key_storage: CaKeyStorage; kms_key_arn?: string };
  /** PKCS#8 PEM to store beside the certificate; only the software custody has one. */
  privateKeyPem?: string | undefined;
  /**
   * Undoes the creation when the CA could not be stored (a lost race, a
   * failed write), so that nothing left behind blocks a retry. Never throws.
   */
  discard(): Promise<void>;
}

/** Creates CA keys and lends signers of stored ones. */
export interface CaKeyCustody {
  readonly storage: CaKeyStorage;
  createKey(params: {
    kind: CertificateAuthorityKind;
    name: string;
    keyAlgorithm: CertificateAuthorityKeyAlgorithm;
  }): Promise<CreatedCaKey>;
  /** A signer of the key of the stored CA `record`. */
  signerFor(record: CertificateRecord): Promise<Signer>;
}

/** The custodies a deployment offers, and which one a request without `key_storage` gets. */
export interface CaKeyCustodies {
  /** Storage of a CA whose request names none. */
  readonly defaultStorage: CaKeyStorage;
  /** The custody of `storage`; InvalidRequestError naming `key_storage` when this deployment has none. */
  custody(storage: CaKeyStorage): CaKeyCustody;
}

/**
 * The custodies of a deployment: the software one always, others when given.
 * `unavailable` explains, per missing storage, why it is missing (the 400's text).
 */
export function caKeyCustodies(options: {
  software: CaKeyCustody;
  kms?: CaKeyCustody | undefined;
  defaultStorage?: CaKeyStorage | undefined;
  unavailable?: Partial<Record<CaKeyStorage, string>> | undefined;
}): CaKeyCustodies {
  return {
    defaultStorage: options.defaultStorage ?? "s3",
    custody(storage) {
      const custody = storage === "kms" ? options.kms : options.software;
      if (!custody) {
        throw new InvalidRequestError(
          options.unavailable?.[storage] ?? `key_storage '${storage}' is not available in this deployment`,
          "key_storage",
        );
      }
      return custody;
    },
  };
}

/** Storage of a stored CA's key: records written before key_storage existed hold theirs in the object store. */
export function keyStorageOf(record: CertificateRecord): CaKeyStorage {
  return record.key_storage ?? "s3";
}
