/**
 * PKCS#10 certificate signing requests: how a device or server gets a
 * certificate without its private key ever leaving it. The CSR's signature is
 * verified (proof of possession of the key), its key must be one of the
 * algorithms the service issues for, and every name it asks for must be one
 * the API request names too.
 */
import { createPublicKey } from "node:crypto";
import type { SubjectAltName } from "./certificate-profiles.js";
import { InvalidRequestError } from "./errors.js";
import { type KeyAlgorithm, webCryptoParams } from "./key-algorithms.js";
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from "./x509.js";

export interface VerifiedSigningRequest {
  publicKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  /** The subject CN the CSR asks for, if any. */
  commonName: string | undefined;
  /** SAN entries the CSR asks for. */
  subjectAltNames: SubjectAltName[];
}

const FIELD = "csr";
/** id-ce-subjectAltName (RFC 5280 §4.2.1.6): extensions are looked up by OID. */
const SUBJECT_ALT_NAME_OID = "2.5.29.17";

/** Parses and verifies a PEM CSR. InvalidRequestError (field `csr`) for anything unusable. */
export async function verifySigningRequest(
  pem: string,
  crypto: Crypto = globalThis.crypto,
): Promise<VerifiedSigningRequest> {
  let request: Pkcs10CertificateRequest;
  try {
    request = new Pkcs10CertificateRequest(pem);
  } catch (error) {
    throw new InvalidRequestError("csr is not a PEM PKCS#10 certificate request", FIELD, { cause: error });
  }
  const keyAlgorithm = keyAlgorithmOf(request.publicKey.rawData);
  let verified = false;
  try {
    verified = await request.verify(crypto);
  } catch {
    verified = false;
  }
  if (!verified) throw new InvalidRequestError("the CSR's signature does not verify with its own public key", FIELD);
  const publicKey = await crypto.subtle.importKey(
    "spki",
    request.publicKey.rawData,
    webCryptoParams(keyAlgorithm),
    true,
    ["verify"],
  );
  const sanExtension = request.getExtension(SUBJECT_ALT_NAME_OID);
  const san = sanExtension ? new SubjectAlternativeNameExtension(sanExtension.rawData) : undefined;
  const subjectAltNames = (san?.names.items ?? []).flatMap((name): SubjectAltName[] => {
    if (name.type === "dns" || name.type === "ip" || name.type === "url")
      return [{ type: name.type, value: name.value }];
    throw new InvalidRequestError(
      `the CSR asks for a ${name.type} subject alternative name, which is not supported`,
      FIELD,
    );
  });
  const commonNames = request.subjectName.getField("CN");
  if (commonNames.length > 1) throw new InvalidRequestError("the CSR subject has more than one CN", FIELD);
  return { publicKey, keyAlgorithm, commonName: commonNames[0], subjectAltNames };
}

/** Refuses a CSR that asks for a name (CN or SAN) the API request does not name. */
export function assertRequestedNamesAllowed(
  signingRequest: VerifiedSigningRequest,
  allowed: { commonName: string; subjectAltNames: SubjectAltName[] },
): void {
  if (signingRequest.commonName !== undefined && signingRequest.commonName !== allowed.commonName) {
    throw new InvalidRequestError(
      `the CSR asks for CN '${signingRequest.commonName}' but the request is for '${allowed.commonName}'`,
      FIELD,
    );
  }
  const permitted = new Set(allowed.subjectAltNames.map((name) => `${name.type}:${name.value.toLowerCase()}`));
  for (const name of signingRequest.subjectAltNames) {
    if (!permitted.has(`${name.type}:${name.value.toLowerCase()}`)) {
      throw new InvalidRequestError(
        `the CSR asks for the name ${name.type}:${name.value}, which the request does not include (add it to subject_alt_names)`,
        FIELD,
      );
    }
  }
}

function keyAlgorithmOf(spki: ArrayBuffer): KeyAlgorithm {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new InvalidRequestError("the CSR's public key cannot be read", FIELD, { cause: error });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && [2048, 3072, 4096].includes(details.modulusLength ?? 0)) {
    return `RSA-${details.modulusLength}` as KeyAlgorithm;
  }
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return "EC-P256";
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "secp384r1") return "EC-P384";
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  throw new InvalidRequestError("the CSR's key must be RSA 2048/3072/4096, EC P-256/P-384 or Ed25519", FIELD);
}
