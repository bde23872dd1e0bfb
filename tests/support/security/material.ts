/**
 * Checks on stored certificate material that the security tests share: does a
 * private key belong to a certificate, which files lie under a folder of the
 * local store or a bucket, and is every committed record backed by complete
 * material.
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/** True when `privateKeyPem` is the key of the certificate `certificatePem`. */
export function keyMatchesCertificate(privateKeyPem: string, certificatePem: string): boolean {
  const fromKey = createPublicKey(privateKeyPem).export({ type: "spki", format: "der" });
  const fromCertificate = new X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" });
  return Buffer.compare(fromKey, fromCertificate) === 0;
}

/** Every file under `directory`, as `/`-separated paths relative to it, sorted ([] when it does not exist). */
export function filesUnder(directory: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(join(directory, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk("");
  return files.sort();
}

/** Every directory under `directory` (relative, sorted). */
export function directoriesUnder(directory: string): string[] {
  const directories: string[] = [];
  const walk = (relative: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(join(directory, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      directories.push(path);
      walk(path);
    }
  };
  walk("");
  return directories.sort();
}

/** Every key of `bucket` under `prefix`, sorted. */
export async function bucketKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return keys.sort();
}

/** The base64 body of a PEM block (armour and line breaks removed). */
export function pemBase64(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "")
    .replace(/\s+/g, "")
    .trim();
}
