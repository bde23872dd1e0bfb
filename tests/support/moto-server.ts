/**
 * Starts `moto_server` (a real S3 and ACM protocol server, Python) on
 * 127.0.0.1 on a free port. Fails with install instructions when it is
 * missing: never a silent skip.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./free-port.js";

export interface MotoServer {
  endpoint: string;
  /** Environment for clients and the local server: endpoint, region and dummy credentials. */
  env: Record<string, string>;
  /** An S3 client on this server (path-style). */
  s3: S3Client;
  createBucket(name: string): Promise<void>;
  /**
   * Makes moto check the SigV4 signature (with botocore's signer) of every
   * later request, against an IAM user it creates here with an allow-all
   * policy; resolves that user's credentials. Clients still on the dummy
   * `testing` credentials (`s3`, `env`) are refused from then on.
   */
  requireSignatures(): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  stop(): Promise<void>;
}

export async function startMotoServer(): Promise<MotoServer> {
  if (spawnSync("moto_server", ["--help"], { stdio: "ignore" }).error) {
    throw new Error(
      "moto_server is not on PATH. The S3/ACM integration tests need it: pip install 'moto[server]' (moto 5.2 or newer).",
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error("moto_server did not start within 30 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const s3 = new S3Client({
    endpoint,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  return {
    endpoint,
    env,
    s3,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async requireSignatures() {
      // While moto checks nothing, IAM calls need only name their service in a credential scope.
      const iam = async (params: Record<string, string>): Promise<string> => {
        const response = await fetch(`${endpoint}/`, {
          method: "POST",
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${env.AWS_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ Version: "2010-05-08", ...params }),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`moto IAM ${params.Action} failed: ${response.status} ${text}`);
        return text;
      };
      const userName = `signer-${Date.now()}`;
      await iam({ Action: "CreateUser", UserName: userName });
      const created = await iam({ Action: "CreateAccessKey", UserName: userName });
      await iam({
        Action: "PutUserPolicy",
        UserName: userName,
        PolicyName: "allow-all",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        }),
      });
      const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(created)?.[1];
      const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(created)?.[1];
      if (!accessKeyId || !secretAccessKey) throw new Error(`moto IAM CreateAccessKey answered no key: ${created}`);
      const reset = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: "0" });
      if (!reset.ok) throw new Error(`moto reset-auth failed: ${reset.status}`);
      return { accessKeyId, secretAccessKey };
    },
    async stop() {
      s3.destroy();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}
