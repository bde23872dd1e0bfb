/**
 * SHA-256 and HMAC-SHA-256 on node:crypto in the shape `@smithy/signature-v4`
 * takes (its `sha256` option), for tests that compare our SigV4 signing with
 * the AWS SDK's signer.
 */
import { createHash, createHmac } from "node:crypto";

type SourceData = string | ArrayBuffer | ArrayBufferView;

export class NodeSha256 {
  private hash: ReturnType<typeof createHash>;

  constructor(private readonly secret?: SourceData) {
    this.hash = NodeSha256.create(secret);
  }

  private static create(secret?: SourceData): ReturnType<typeof createHash> {
    return secret === undefined ? createHash("sha256") : (createHmac("sha256", bytes(secret)) as never);
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
