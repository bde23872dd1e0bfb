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
