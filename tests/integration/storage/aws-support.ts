/** Reading back what the service stored in moto_server: S3 objects and ACM certificates. */
import {
  ACMClient,
  DescribeCertificateCommand,
  GetCertificateCommand,
  ListTagsForCertificateCommand,
} from "@aws-sdk/client-acm";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { MotoServer } from "../../support/moto-server.js";

/** Every key in the bucket, sorted. */
export async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString("utf-8")) ?? "";
}

/** Every object under `prefix` as key → body. */
export async function readAll(s3: S3Client, bucket: string, prefix = ""): Promise<Record<string, string>> {
  const keys = (await listKeys(s3, bucket)).filter((key) => key.startsWith(prefix));
  const bodies = await Promise.all(keys.map((key) => readObject(s3, bucket, key)));
  return Object.fromEntries(keys.map((key, index) => [key, bodies[index] as string]));
}

export function acmClient(moto: MotoServer): ACMClient {
  return new ACMClient({
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

/** What ACM (moto) holds for an imported certificate. */
export async function importedCertificate(acm: ACMClient, arn: string) {
  const [described, fetched, tags] = await Promise.all([
    acm.send(new DescribeCertificateCommand({ CertificateArn: arn })),
    acm.send(new GetCertificateCommand({ CertificateArn: arn })),
    acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn })),
  ]);
  return {
    description: described.Certificate,
    certificate: fetched.Certificate,
    certificateChain: fetched.CertificateChain,
    tags: Object.fromEntries((tags.Tags ?? []).map((tag) => [tag.Key, tag.Value])),
  };
}

/** PEM text compared by its base64 content only (servers may re-wrap or re-terminate lines). */
export function pemBody(pem: string | undefined): string {
  return (pem ?? "").replace(/-----[A-Z ]+-----|\s+/g, "");
}
