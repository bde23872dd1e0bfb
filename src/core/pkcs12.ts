/**
 * PKCS#12 (PFX) bundles of a leaf's private key, certificate and issuer chain.
 *
 * Library choice: the ASN.1 is built with PeculiarVentures' `@peculiar/asn1-pfx`
 * schemas (with `asn1-cms`, `asn1-x509`, `asn1-rsa`, `asn1-pkcs9` and
 * `asn1-schema` from the same monorepo and version, already in the tree through
 * `@peculiar/x509`), and every cryptographic step (PBKDF2, AES-256-CBC, HMAC,
 * SHA) is `node:crypto`'s. `node-forge` was rejected: its PKCS#12 writer wraps
 * the key with `wrapRsaPrivateKey` (RSA only; this service also issues EC
 * P-256/P-384 and Ed25519 keys), hard-codes a SHA-1 MAC and stores the
 * certificates unencrypted. The peculiar schemas only encode structures, so any
 * PKCS#8 key Node reads fits and the algorithms are ours to choose: what
 * OpenSSL 3 writes by default and reads without `-legacy` — PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC for the key bag and for the certificates,
 * an HMAC-SHA256 MAC keyed by the RFC 7292 KDF — at 10,000 iterations as Java
 * 17 writes (OpenSSL 3 writes 2,048). Readers: OpenSSL 3 and Node, Java 17
 * (8u301+/11.0.12+), Windows 10 1709+ / Server 2019+; not older Windows nor
 * macOS Keychain before 14, which know only RC2/3DES bundles. Java's PKCS12
 * KeyStore takes only printable-ASCII passwords, whoever wrote the bundle.
 */

import {
  createCipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  type KeyObject,
  pbkdf2,
  randomBytes,
  X509Certificate,
} from "node:crypto";
import { promisify } from "node:util";
import { ContentInfo, EncryptedContent, EncryptedContentInfo, id_data, id_encryptedData } from "@peculiar/asn1-cms";
import {
  AuthenticatedSafe,
  CertBag,
  id_certBag,
  id_pkcs8ShroudedKeyBag,
  id_x509Certificate,
  MacData,
  PFX,
  PKCS8ShroudedKeyBag,
  PKCS12Attribute,
  SafeBag,
  SafeContents,
} from "@peculiar/asn1-pfx";
import { FriendlyName, id_pkcs9_at_friendlyName, id_pkcs9_at_localKeyId, LocalKeyId } from "@peculiar/asn1-pkcs9";
import { DigestInfo, id_sha256 } from "@peculiar/asn1-rsa";
import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { InvalidRequestError } from "./errors.js";
import { X509Certificate as PeculiarCertificate } from "./x509.js";

/** PBKDF2 and MAC iterations: Java 17's default, five times OpenSSL 3's 2,048. */
export const PKCS12_ITERATIONS = 10_000;
const SALT_BYTES = 16;

const id_PBES2 = "1.2.840.113549.1.5.13";
const id_PBKDF2 = "1.2.840.113549.1.5.12";
const id_hmacWithSHA256 = "1.2.840.113549.2.9";
const id_aes256_CBC = "2.16.840.1.101.3.4.1.42";

/** RFC 8018 `PBKDF2-params`, with the `specified` salt choice and no key length (AES-256 fixes it). */
@AsnType({ type: AsnTypeTypes.Sequence })
class Pbkdf2Params {
  @AsnProp({ type: OctetString }) salt = new OctetString();
  @AsnProp({ type: AsnPropTypes.Integer }) iterationCount = 0;
  @AsnProp({ type: AlgorithmIdentifier }) prf = new AlgorithmIdentifier();

  constructor(params: Partial<Pbkdf2Params> = {}) {
    Object.assign(this, params);
  }
}

/** RFC 8018 `PBES2-params`. */
@AsnType({ type: AsnTypeTypes.Sequence })
class Pbes2Params {
  @AsnProp({ type: AlgorithmIdentifier }) keyDerivationFunc = new AlgorithmIdentifier();
  @AsnProp({ type: AlgorithmIdentifier }) encryptionScheme = new AlgorithmIdentifier();

  constructor(params: Partial<Pbes2Params> = {}) {
    Object.assign(this, params);
  }
}

/** RFC 5652 `EncryptedData` (no unprotected attributes), which `@peculiar/asn1-cms` lacks. */
@AsnType({ type: AsnTypeTypes.Sequence })
class CmsEncryptedData {
  @AsnProp({ type: AsnPropTypes.Integer }) version = 0;
  @AsnProp({ type: EncryptedContentInfo }) encryptedContentInfo = new EncryptedContentInfo();

  constructor(params: Partial<CmsEncryptedData> = {}) {
    Object.assign(this, params);
  }
}

const pbkdf2Async = promisify(pbkdf2);

/** Encodes a password-protected PKCS#12 (PFX) bundle: the private key, the certificate and its issuer chain. */
export async function encodePkcs12(input: {
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"): RSA, EC P-256/P-384 or Ed25519. */
  privateKeyPem: string;
  /** The leaf certificate, PEM. */
  certificatePem: string;
  /** Issuer chain PEM bundle (intermediate then root); may be "". */
  chainPem: string;
  /** Non-empty; protects key and certificates. Java's KeyStore reads only printable-ASCII passwords. */
  password: string;
  /** Alias shown by Windows and Java (e.g. device id or FQDN); default the leaf's common name. */
  friendlyName?: string;
}): Promise<Uint8Array> {
  const password = checkPassword(input.password);
  const key = readPrivateKey(input.privateKeyPem);
  const leaf = readCertificates(input.certificatePem, "certificate");
  if (leaf.length !== 1 || !leaf[0]) throw new Error("certificatePem must hold exactly one certificate");
  const leafCertificate = leaf[0];
  if (!leafCertificate.checkPrivateKey(key)) throw new Error("the private key does not match the certificate");
  const chain = input.chainPem.trim() === "" ? [] : readCertificates(input.chainPem, "chain");

  // Windows and Java pair a key with its certificate by equal localKeyId; OpenSSL's is the certificate's SHA-1.
  const localKeyId = createHash("sha1").update(leafCertificate.raw).digest();
  const friendlyName = input.friendlyName || commonName(leafCertificate.raw);
  const attributes = [attribute(id_pkcs9_at_localKeyId, AsnConvert.serialize(new LocalKeyId(localKeyId)))];
  if (friendlyName) {
    attributes.unshift(attribute(id_pkcs9_at_friendlyName, AsnConvert.serialize(new FriendlyName(friendlyName))));
  }

  const certificateBags = [leafCertificate, ...chain].map(
    (certificate, index) =>
      new SafeBag({
        bagId: id_certBag,
        bagValue: AsnConvert.serialize(
          new CertBag({
            certId: id_x509Certificate,
            certValue: AsnConvert.serialize(new OctetString(certificate.raw)),
          }),
        ),
        bagAttributes: index === 0 ? attributes : undefined,
      }),
  );
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const keyEncryption = await pbes2Encrypt(pkcs8, password);
  const keyBag = new SafeBag({
    bagId: id_pkcs8ShroudedKeyBag,
    bagValue: AsnConvert.serialize(
      new PKCS8ShroudedKeyBag({
        encryptionAlgorithm: keyEncryption.algorithm,
        encryptedData: new OctetString(keyEncryption.ciphertext),
      }),
    ),
    bagAttributes: attributes,
  });

  // As OpenSSL 3 lays it out: the certificates in an encrypted SafeContents, the shrouded key in a plain one.
  const certificateEncryption = await pbes2Encrypt(serialize(new SafeContents(certificateBags)), password);
  const authenticatedSafe = serialize(
    new AuthenticatedSafe([
      new ContentInfo({
        contentType: id_encryptedData,
        content: AsnConvert.serialize(
          new CmsEncryptedData({
            version: 0,
            encryptedContentInfo: new EncryptedContentInfo({
              contentType: id_data,
              contentEncryptionAlgorithm: certificateEncryption.algorithm,
              encryptedContent: new EncryptedContent({ value: new OctetString(certificateEncryption.ciphertext) }),
            }),
          }),
        ),
      }),
      dataContentInfo(serialize(new SafeContents([keyBag]))),
    ]),
  );

  const macSalt = randomBytes(SALT_BYTES);
  const macKey = pkcs12Kdf(password, macSalt, 3, PKCS12_ITERATIONS, 32);
  const mac = createHmac("sha256", macKey).update(authenticatedSafe).digest();
  const pfx = new PFX({
    version: 3,
    authSafe: dataContentInfo(authenticatedSafe),
    macData: new MacData({
      mac: new DigestInfo({
        digestAlgorithm: new AlgorithmIdentifier({ algorithm: id_sha256, parameters: null }),
        digest: new OctetString(mac),
      }),
      macSalt: new OctetString(macSalt),
      iterations: PKCS12_ITERATIONS,
    }),
  });
  return serialize(pfx);
}

function checkPassword(password: string): string {
  if (typeof password !== "string" || password.length === 0) {
    throw new InvalidRequestError("a PKCS#12 bundle needs a non-empty password", "password");
  }
  // C readers (OpenSSL, Windows) take the password as a NUL-terminated string.
  if (password.includes("\u0000")) throw new InvalidRequestError("the password must not contain NUL", "password");
  return password;
}

function readPrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new Error("privateKeyPem is not a readable PEM private key", { cause: error });
  }
}

function readCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${what} holds no PEM certificate`);
  return blocks.map((block) => new X509Certificate(block));
}

function commonName(der: Buffer): string | undefined {
  return new PeculiarCertificate(new Uint8Array(der)).subjectName.getField("CN")[0];
}

/** `PKCS12Attribute` with one value; its constructor ignores its argument, so the fields are set here. */
function attribute(attrId: string, value: ArrayBuffer): PKCS12Attribute {
  const result = new PKCS12Attribute();
  result.attrId = attrId;
  result.attrValues = [value];
  return result;
}

function dataContentInfo(data: Uint8Array): ContentInfo {
  return new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(data)) });
}

function serialize(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

/** PBES2 (RFC 8018) with PBKDF2-HMAC-SHA256 and AES-256-CBC; the password as UTF-8, as OpenSSL and Java read it. */
async function pbes2Encrypt(
  plaintext: Uint8Array,
  password: string,
): Promise<{ algorithm: AlgorithmIdentifier; ciphertext: Buffer }> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const key = await pbkdf2Async(Buffer.from(password, "utf8"), salt, PKCS12_ITERATIONS, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const parameters = new Pbes2Params({
    keyDerivationFunc: new AlgorithmIdentifier({
      algorithm: id_PBKDF2,
      parameters: AsnConvert.serialize(
        new Pbkdf2Params({
          salt: new OctetString(salt),
          iterationCount: PKCS12_ITERATIONS,
          prf: new AlgorithmIdentifier({ algorithm: id_hmacWithSHA256, parameters: null }),
        }),
      ),
    }),
    encryptionScheme: new AlgorithmIdentifier({
      algorithm: id_aes256_CBC,
      parameters: AsnConvert.serialize(new OctetString(iv)),
    }),
  });
  return {
    algorithm: new AlgorithmIdentifier({ algorithm: id_PBES2, parameters: AsnConvert.serialize(parameters) }),
    ciphertext,
  };
}

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2) with SHA-256, which the
 * MAC key still needs: `id` 3 derives MAC keys. The password is a BMPString
 * (UTF-16BE) with a two-byte NUL terminator.
 */
function pkcs12Kdf(password: string, salt: Uint8Array, id: number, iterations: number, length: number): Buffer {
  const u = 32; // SHA-256 output
  const v = 64; // SHA-256 block
  const passwordBytes = Buffer.from(`${password}\u0000`, "utf16le").swap16();
  const stretch = (bytes: Uint8Array) => {
    const out = Buffer.alloc(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length] as number;
    return out;
  };
  const diversifier = Buffer.alloc(v, id);
  const block = Buffer.concat([stretch(salt), stretch(passwordBytes)]);
  const result: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash("sha256").update(diversifier).update(block).digest();
    for (let i = 1; i < iterations; i++) a = createHash("sha256").update(a).digest();
    result.push(a);
    if (produced + u >= length) break;
    // Each v-byte chunk of the block becomes (chunk + B + 1) mod 2^(8v), B being `a` repeated to v bytes.
    const b = stretch(a);
    for (let offset = 0; offset < block.length; offset += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (block[offset + k] as number) + (b[k] as number) + carry;
        block[offset + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(result).subarray(0, length);
}
