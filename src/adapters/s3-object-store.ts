/**
 * ObjectStore on Amazon S3 (or any S3 protocol server). "Never overwrite" is
 * an S3 conditional write (`If-None-Match: *`), so two concurrent creations
 * of one key cannot both succeed.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { DependencyError } from "../core/errors.js";
import type { ObjectListing, ObjectStore } from "../core/ports.js";

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*" }),
      );
      return true;
    } catch (error) {
      // 412: the key exists. 409: a concurrent conditional write to the key is in progress; one of them wins.
      const status = httpStatusOf(error);
      if (status === 412 || status === 409) return false;
      throw new DependencyError(`S3 PutObject ${key} failed`, { cause: error });
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString("utf-8")) ?? "";
    } catch (error) {
      // Only a missing key means "no object": a missing bucket (NoSuchBucket) is a broken dependency.
      if ((error as { name?: string }).name === "NoSuchKey") return undefined;
      throw new DependencyError(`S3 GetObject ${key} failed`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw new DependencyError(`S3 DeleteObject ${key} failed`, { cause: error });
    }
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ObjectListing> {
    try {
      const response = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          StartAfter: options.startAfter,
          MaxKeys: Math.min(options.limit ?? 1000, 1000),
        }),
      );
      return {
        keys: (response.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])),
        isTruncated: response.IsTruncated ?? false,
      };
    } catch (error) {
      throw new DependencyError(`S3 ListObjectsV2 ${prefix} failed`, { cause: error });
    }
  }
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
