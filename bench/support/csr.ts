/** PKCS#10 requests for the CSR benchmarks, made with @peculiar/x509 through src/core/x509.ts. */
import type { SubjectAltName } from "../../src/core/certificate-profiles.js";
import { generateKeyPair, type KeyAlgorithm, webCryptoParams } from "../../src/core/key-algorithms.js";
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension } from "../../src/core/x509.js";

/** A PEM CSR for `commonName` (and SANs) with a new key of `algorithm`. */
export async function makeCsr(
  algorithm: KeyAlgorithm,
  commonName: string,
  subjectAltNames: SubjectAltName[] = [],
): Promise<string> {
  const keys = await generateKeyPair(algorithm);
  const request = await Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: webCryptoParams(algorithm),
    extensions: subjectAltNames.length > 0 ? [new SubjectAlternativeNameExtension(subjectAltNames)] : [],
  });
  return request.toString("pem");
}
