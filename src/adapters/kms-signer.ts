/**
 * A `Signer` on an asymmetric AWS KMS key: the private key never leaves KMS,
 * each signature is one `kms:Sign` call.
 */
import { createHash } from "node:crypto";
import { type KMSClient, SignCommand, type SigningAlgorithmSpec } from "@aws-sdk/client-kms";
import type { CertificateAuthorityKeyAlgorithm } from "../core/key-algorithms.js";
import type { Signer } from "../core/signer.js";
import { kmsFailure } from "./kms-errors.js";

/** KMS signs a message of at most 4,096 bytes itself (`MessageType: RAW`); longer ones are sent as their digest. */
export const KMS_MAX_RAW_MESSAGE_BYTES = 4096;

/** The KMS signing algorithm and local digest of each CA key algorithm: what X.509 signatures need. */
export const KMS_SIGNING: Record<
  CertificateAuthorityKeyAlgorithm,
  { algorithm: SigningAlgorithmSpec; digest: "sha256" | "sha384" }
> = {
  "RSA-2048": { algorithm: "RSASSA_PKCS1_V1_5_SHA_256", digest: "sha256" },
  "RSA-3072": { algorithm: "RSASSA_PKCS1_V1_5_SHA_256", digest: "sha256" },
  "RSA-4096": { algorithm: "RSASSA_PKCS1_V1_5_SHA_256", digest: "sha256" },
  "EC-P256": { algorithm: "ECDSA_SHA_256", digest: "sha256" },
  "EC-P384": { algorithm: "ECDSA_SHA_384", digest: "sha384" },
};

/**
 * Signs with the KMS key `keyId`. What KMS returns is what the port promises:
 * RSASSA-PKCS1-v1_5 signatures are the raw signature bytes, and KMS encodes
 * ECDSA signatures as the DER `ECDSA-Sig-Value` (RFC 3279 §2.2.3) X.509 carries.
 * Throttling is retried by the client's retry strategy (the SDK's backoff).
 */
export class KmsSigner implements Signer {
  constructor(
    private readonly client: KMSClient,
    /** The key's ARN (or id). */
    readonly keyId: string,
    readonly keyAlgorithm: CertificateAuthorityKeyAlgorithm,
  ) {}

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const { algorithm, digest } = KMS_SIGNING[this.keyAlgorithm];
    // A large CRL exceeds KMS's message limit: the digest is computed here and KMS signs it as such.
    const raw = data.byteLength <= KMS_MAX_RAW_MESSAGE_BYTES;
    const command = new SignCommand({
      KeyId: this.keyId,
      Message: raw ? data : createHash(digest).update(data).digest(),
      MessageType: raw ? "RAW" : "DIGEST",
      SigningAlgorithm: algorithm,
    });
    let signature: Uint8Array | undefined;
    try {
      signature = (await this.client.send(command)).Signature;
    } catch (error) {
      throw kmsFailure("Sign", this.keyId, error);
    }
    if (!signature) throw new Error(`KMS Sign with key ${this.keyId} returned no signature`);
    return signature;
  }
}
