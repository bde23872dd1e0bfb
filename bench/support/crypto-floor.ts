/**
 * The crypto floor of an algorithm: what issuing a certificate with a
 * server-made key cannot avoid, measured with node:crypto directly: generate
 * a key pair, then make one signature (over 600 bytes, about a TBSCertificate).
 * Both asynchronous, on libuv's thread pool, as WebCrypto runs them.
 */
import { generateKeyPair as generateKeyPairCallback, type KeyObject, randomBytes, sign } from "node:crypto";
import { promisify } from "node:util";
import type { KeyAlgorithm } from "../../src/core/key-algorithms.js";

const generate = promisify(generateKeyPairCallback) as unknown as (
  type: string,
  options: object,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

const TBS = randomBytes(600);

function keyOptions(algorithm: KeyAlgorithm): [string, object] {
  switch (algorithm) {
    case "RSA-2048":
    case "RSA-3072":
    case "RSA-4096":
      return ["rsa", { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001 }];
    case "EC-P256":
      return ["ec", { namedCurve: "P-256" }];
    case "EC-P384":
      return ["ec", { namedCurve: "P-384" }];
    case "Ed25519":
      return ["ed25519", {}];
  }
}

export function digestOf(algorithm: KeyAlgorithm): string | null {
  return algorithm === "Ed25519" ? null : algorithm === "EC-P384" ? "sha384" : "sha256";
}

/** One key generation and one signature with a key of `algorithm`. */
export async function cryptoFloor(algorithm: KeyAlgorithm): Promise<void> {
  const [type, options] = keyOptions(algorithm);
  const { privateKey } = await generate(type, options);
  await new Promise<Buffer>((resolve, reject) =>
    sign(digestOf(algorithm), TBS, privateKey, (error, signature) => (error ? reject(error) : resolve(signature))),
  );
}
