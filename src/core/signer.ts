/**
 * Signing as a port: the certificate and CRL builders ask a `Signer` for a
 * signature and never see a private key, so a CA's key may live in memory
 * (the software signer below) or in a key service (AWS KMS, a later issue).
 */
import { KeyObject, sign as signInPlace } from "node:crypto";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { type KeyAlgorithm, webCryptoParams } from "./key-algorithms.js";
import { AsnEcSignatureFormatter } from "./x509.js";

/** Makes signatures with a key wherever it lives (software key now; AWS KMS in a later issue). */
export interface Signer {
  /** Algorithm of the signing key; decides the signature algorithm (sha256WithRSAEncryption, ecdsa-with-SHA256/SHA384, Ed25519). */
  readonly keyAlgorithm: KeyAlgorithm;
  /** Signature over `data` as X.509 carries it (ECDSA: DER ECDSA-Sig-Value). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** RFC 5758 §3.2 (ecdsa-with-SHA256/SHA384) and RFC 8410 §3 (id-Ed25519). */
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";
const ED25519 = "1.3.101.112";
/** RFC 4055 §5: sha256WithRSAEncryption, whose parameters are NULL. */
const SHA256_WITH_RSA_ENCRYPTION = "1.2.840.113549.1.1.11";

/**
 * The AlgorithmIdentifier of the signatures a key of `keyAlgorithm` makes: what
 * a certificate's and a CRL's `signature` and `signatureAlgorithm` fields carry.
 * ECDSA and Ed25519 identifiers have no parameters; RSA's have NULL.
 */
export function signatureAlgorithmIdentifier(keyAlgorithm: KeyAlgorithm): AlgorithmIdentifier {
  switch (keyAlgorithm) {
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA_ENCRYPTION, parameters: null });
    case "EC-P256":
      return new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
    case "EC-P384":
      return new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA384 });
    case "Ed25519":
      return new AlgorithmIdentifier({ algorithm: ED25519 });
  }
}

/**
 * A Signer on a WebCrypto private key held in this process (a CA key loaded
 * from the store, or a new root's own key). Signatures are WebCrypto's, made
 * on libuv's thread pool so that parallel issuance uses every core; ECDSA's
 * r ‖ s becomes the DER ECDSA-Sig-Value through @peculiar/x509's formatter.
 *
 * EC P-256 with Node's own WebCrypto signs in place instead, by the same
 * OpenSSL call through `node:crypto.sign`: that signature costs ~40 µs, less
 * than handing the job to another thread and back.
 */
export class SoftwareSigner implements Signer {
  private readonly params: Algorithm;
  private readonly inPlaceKey: KeyObject | undefined;

  /**
   * @param privateKey a private key allowed to `sign`, of `keyAlgorithm`.
   * @param crypto the WebCrypto that signs; Node's by default.
   */
  constructor(
    private readonly privateKey: CryptoKey,
    readonly keyAlgorithm: KeyAlgorithm,
    private readonly crypto: Crypto = globalThis.crypto,
  ) {
    const params = webCryptoParams(keyAlgorithm) as Algorithm & { namedCurve?: string };
    const algorithm = privateKey.algorithm as { name: string; namedCurve?: string };
    if (
      privateKey.type !== "private" ||
      !privateKey.usages.includes("sign") ||
      algorithm.name !== params.name ||
      algorithm.namedCurve !== params.namedCurve
    ) {
      throw new TypeError(`a software signer needs a private ${keyAlgorithm} key allowed to sign`);
    }
    this.params = params;
    this.inPlaceKey = keyAlgorithm === "EC-P256" && crypto === globalThis.crypto ? nodeKeyOf(privateKey) : undefined;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (this.inPlaceKey) return signInPlace("sha256", data, { key: this.inPlaceKey, dsaEncoding: "der" });
    const signature = await this.crypto.subtle.sign(this.params, this.privateKey, data as Uint8Array<ArrayBuffer>);
    if (this.params.name !== "ECDSA") return new Uint8Array(signature);
    const der = new AsnEcSignatureFormatter().toAsnSignature(
      { name: "ECDSA", namedCurve: (this.params as EcKeyGenParams).namedCurve } as EcKeyAlgorithm,
      signature,
    );
    if (!der) throw new Error("could not encode the ECDSA signature");
    return new Uint8Array(der);
  }
}

/** Node's key object behind one of its own CryptoKeys; undefined for another implementation's key. */
function nodeKeyOf(key: CryptoKey): KeyObject | undefined {
  try {
    return KeyObject.from(key);
  } catch {
    return undefined;
  }
}
