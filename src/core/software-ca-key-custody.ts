import type { CaKeyCustody, CreatedCaKey } from "./ca-key-custody.js";
import type { CertificateRecord, CertificateRepository } from "./certificate-repository.js";
import {
  type CertificateAuthorityKeyAlgorithm,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
} from "./key-algorithms.js";
import { type Signer, SoftwareSigner } from "./signer.js";

/** Today's behaviour: the key is made in this process and stored as a PEM by the repository. */
export class SoftwareCaKeyCustody implements CaKeyCustody {
  readonly storage = "s3" as const;

  constructor(
    private readonly repository: CertificateRepository,
    private readonly crypto: Crypto = globalThis.crypto,
  ) {}

  async createKey(params: { keyAlgorithm: CertificateAuthorityKeyAlgorithm }): Promise<CreatedCaKey> {
    const keys = await generateKeyPair(params.keyAlgorithm, this.crypto);
    return {
      publicKey: keys.publicKey,
      signer: new SoftwareSigner(keys.privateKey, params.keyAlgorithm, this.crypto),
      reference: { key_storage: "s3" },
      privateKeyPem: await exportPrivateKeyPem(keys.privateKey, this.crypto),
      // The repository removes the files of a CA it could not store.
      discard: async () => undefined,
    };
  }

  async signerFor(record: CertificateRecord): Promise<Signer> {
    const pem = await this.repository.getAuthorityPrivateKey(record);
    return new SoftwareSigner(
      await importPrivateKeyPem(pem, record.key_algorithm, this.crypto),
      record.key_algorithm,
      this.crypto,
    );
  }
}
