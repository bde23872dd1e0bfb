/**
 * CA keys in AWS KMS: created there (`CreateKey`, SIGN_VERIFY), named by an
 * alias, certified with the public key `GetPublicKey` returns, and used only
 * through `kms:Sign`. No private key of such a CA exists outside KMS, so none
 * is ever written to the store, a log or an idempotency record.
 */
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  GetPublicKeyCommand,
  type KeySpec,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import type { CaKeyCustody, CreatedCaKey } from "../core/ca-key-custody.js";
import type { CertificateAuthorityKind } from "../core/certificate-profiles.js";
import type { CertificateRecord } from "../core/certificate-repository.js";
import { type CertificateAuthorityKeyAlgorithm, webCryptoParams } from "../core/key-algorithms.js";
import type { Signer } from "../core/signer.js";
import { kmsFailure } from "./kms-errors.js";
import { KmsSigner } from "./kms-signer.js";

/** The tag every CA key carries: its value is the stack name, and IAM grants KMS calls on such keys only. */
export const KMS_PROJECT_TAG_KEY = "iot-certificates:stack";
/** Tags naming the CA a key belongs to. */
export const KMS_CA_KIND_TAG_KEY = "iot-certificates:ca-kind";
export const KMS_CA_NAME_TAG_KEY = "iot-certificates:ca-name";

/** Days a discarded key waits before KMS deletes it: KMS's minimum. */
export const ORPHAN_KEY_PENDING_DAYS = 7;

/** The KMS key spec of each CA key algorithm (Ed25519 CAs are refused before this). */
export const KMS_KEY_SPECS: Record<CertificateAuthorityKeyAlgorithm, KeySpec> = {
  "RSA-2048": "RSA_2048",
  "RSA-3072": "RSA_3072",
  "RSA-4096": "RSA_4096",
  "EC-P256": "ECC_NIST_P256",
  "EC-P384": "ECC_NIST_P384",
};

export interface KmsCaKeyCustodySettings {
  /** The stack's name: the project tag's value and the aliases' prefix (`alias/<stack>/<kind>/<name>`). */
  stackName: string;
  /** Told when a discarded key could not be scheduled for deletion (it is then left, tagged, for an operator). */
  warn?: ((message: string, fields: Record<string, unknown>) => void) | undefined;
  crypto?: Crypto | undefined;
}

export class KmsCaKeyCustody implements CaKeyCustody {
  readonly storage = "kms" as const;
  private readonly crypto: Crypto;

  constructor(
    private readonly client: KMSClient,
    private readonly settings: KmsCaKeyCustodySettings,
  ) {
    this.crypto = settings.crypto ?? globalThis.crypto;
  }

  /** `alias/<stack>/<kind>/<name>`. */
  aliasOf(kind: CertificateAuthorityKind, name: string): string {
    return `alias/${this.settings.stackName}/${kind}/${name}`;
  }

  /**
   * Creates the key, then its alias. A failure after the key exists
   * schedules the key's deletion; the CA's record, written last with a
   * conditional write by the repository, is what makes the CA exist.
   */
  async createKey(params: {
    kind: CertificateAuthorityKind;
    name: string;
    keyAlgorithm: CertificateAuthorityKeyAlgorithm;
  }): Promise<CreatedCaKey> {
    const { kind, name, keyAlgorithm } = params;
    let keyArn: string | undefined;
    try {
      keyArn = (
        await this.client.send(
          new CreateKeyCommand({
            KeyUsage: "SIGN_VERIFY",
            KeySpec: KMS_KEY_SPECS[keyAlgorithm],
            Description: `${kind} CA '${name}' of ${this.settings.stackName} (IoT certificates)`,
            Tags: [
              { TagKey: KMS_PROJECT_TAG_KEY, TagValue: this.settings.stackName },
              { TagKey: KMS_CA_KIND_TAG_KEY, TagValue: kind },
              { TagKey: KMS_CA_NAME_TAG_KEY, TagValue: name },
            ],
          }),
        )
      ).KeyMetadata?.Arn;
    } catch (error) {
      throw kmsFailure("CreateKey", undefined, error);
    }
    if (!keyArn) throw new Error("KMS CreateKey returned no key ARN");
    const arn = keyArn;
    let aliasCreated = false;
    const discard = async () => {
      await this.discard(arn, aliasCreated ? this.aliasOf(kind, name) : undefined);
    };
    try {
      aliasCreated = await this.createAlias(this.aliasOf(kind, name), arn);
      const publicKey = await this.publicKey(arn, keyAlgorithm);
      return {
        publicKey,
        signer: new KmsSigner(this.client, arn, keyAlgorithm),
        reference: { key_storage: "kms", kms_key_arn: arn },
        discard,
      };
    } catch (error) {
      await discard();
      throw error;
    }
  }

  async signerFor(record: CertificateRecord): Promise<Signer> {
    if (!record.kms_key_arn) throw new Error(`${record.kind} CA '${record.subject_id}' names no KMS key`);
    // The public key is in the CA's certificate: signing needs no GetPublicKey.
    return new KmsSigner(this.client, record.kms_key_arn, record.key_algorithm as CertificateAuthorityKeyAlgorithm);
  }

  /**
   * An alias left by an earlier attempt whose clean-up failed would block
   * every retry: it is moved to the new key. (The core checked that no CA of
   * this name exists; if a concurrent creation wins instead, the winner may be
   * left without an alias: its record names its key ARN, which is all signing uses.)
   */
  private async createAlias(alias: string, keyArn: string): Promise<boolean> {
    try {
      await this.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyArn }));
      return true;
    } catch (error) {
      if (!(error instanceof AlreadyExistsException)) throw kmsFailure("CreateAlias", keyArn, error);
    }
    try {
      await this.client.send(new DeleteAliasCommand({ AliasName: alias }));
      await this.client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyArn }));
      return true;
    } catch (error) {
      throw kmsFailure("CreateAlias", keyArn, error);
    }
  }

  private async publicKey(keyArn: string, keyAlgorithm: CertificateAuthorityKeyAlgorithm): Promise<CryptoKey> {
    let der: Uint8Array | undefined;
    try {
      der = (await this.client.send(new GetPublicKeyCommand({ KeyId: keyArn }))).PublicKey;
    } catch (error) {
      throw kmsFailure("GetPublicKey", keyArn, error);
    }
    if (!der) throw new Error(`KMS GetPublicKey of ${keyArn} returned no key`);
    return this.crypto.subtle.importKey("spki", der as Uint8Array<ArrayBuffer>, webCryptoParams(keyAlgorithm), true, [
      "verify",
    ]);
  }

  /** Removes the alias (when this attempt made it) and schedules the key's deletion; never throws. */
  private async discard(keyArn: string, alias: string | undefined): Promise<void> {
    if (alias) {
      await this.client.send(new DeleteAliasCommand({ AliasName: alias })).catch((error: unknown) => {
        this.settings.warn?.("could not delete the alias of a discarded CA key", { alias, error: String(error) });
      });
    }
    await this.client
      .send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: ORPHAN_KEY_PENDING_DAYS }))
      .catch((error: unknown) => {
        this.settings.warn?.("could not schedule the deletion of a discarded CA key", {
          key_arn: keyArn,
          error: String(error),
        });
      });
  }
}
