/**
 * CA keys in AWS KMS against CA keys in the store, on moto_server (S3 and
 * KMS), in the same run: a batch of EC-P256 devices through the core's batch
 * use case under a KMS-backed intermediate and under an S3-backed one, with
 * every SDK command counted by a middleware on the clients. Figures: KMS
 * calls per certificate (the target: one kms:Sign each, plus a fixed handful
 * for creating the CAs) and wall time per certificate.
 *
 * moto signs in Python on this machine, so the KMS figures say what the code
 * costs around a Sign, not what AWS KMS's latency is (BENCHMARKS.md gives
 * the quota arithmetic for a real fleet).
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { KmsCaKeyCustody } from "../../src/adapters/kms-ca-key-custody.js";
import { S3ObjectStore } from "../../src/adapters/s3-object-store.js";
import { caKeyCustodies } from "../../src/core/ca-key-custody.js";
import { CertificateRepository } from "../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceBatch } from "../../src/core/issuance/issue-device-batch.js";
import type { IssuanceContext } from "../../src/core/issuance/issued-certificate.js";
import { SoftwareCaKeyCustody } from "../../src/core/software-ca-key-custody.js";
import { startMotoServer } from "../../tests/support/moto-server.js";
import { type Cell, formatDuration, median, round } from "../stats.js";
import type { RunContext, SectionResult } from "../support/report.js";
import { timeIt } from "../support/timing.js";

/** A middleware that counts every command a client sends, by name (one count per command, retries not counted again). */
function commandCounter<Input extends object, Output extends MetadataBearer>(
  counts: Map<string, number>,
): InitializeMiddleware<Input, Output> {
  return (next, context) => async (args) => {
    const name = String(context.commandName ?? "unknown").replace(/Command$/, "");
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return next(args);
  };
}

const snapshot = (counts: Map<string, number>) => Object.fromEntries(counts);
const difference = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([name, count]) => [name, count - (before[name] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export async function runKms(context: RunContext): Promise<SectionResult> {
  const batchSize = context.quick ? 100 : 1000;
  const repetitions = context.quick ? 1 : 3;
  context.progress("kms: starting moto_server (S3 and KMS)");
  const moto = await startMotoServer();
  const bucket = "bench-kms";
  await moto.createBucket(bucket);
  const settings = {
    endpoint: moto.endpoint,
    region: moto.env.AWS_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  const s3 = new S3Client({ ...settings, forcePathStyle: true });
  const kms = new KMSClient(settings);
  const s3Calls = new Map<string, number>();
  const kmsCalls = new Map<string, number>();
  s3.middlewareStack.add(commandCounter(s3Calls), { step: "initialize", name: "benchCommandCounter" });
  kms.middlewareStack.add(commandCounter(kmsCalls), { step: "initialize", name: "benchCommandCounter" });
  const repository = new CertificateRepository(new S3ObjectStore(s3, { bucket }));
  const issuance: IssuanceContext = {
    caKeys: caKeyCustodies({
      software: new SoftwareCaKeyCustody(repository),
      kms: new KmsCaKeyCustody(kms, { stackName: "bench" }),
    }),
  };
  try {
    const paths = ["kms", "s3"] as const;
    const creation: Record<string, Record<string, number>> = {};
    for (const storage of paths) {
      const before = snapshot(kmsCalls);
      await createRootCertificateAuthority(
        { name: `${storage}-root`, keyAlgorithm: "EC-P256", keyStorage: storage },
        repository,
        issuance,
      );
      await createIntermediateCertificateAuthority(
        { name: `${storage}-devices`, issuer: `${storage}-root`, keyAlgorithm: "EC-P256", keyStorage: storage },
        repository,
        issuance,
      );
      creation[storage] = difference(snapshot(kmsCalls), before);
    }
    const runs: Record<string, { ms: number[]; kms: Record<string, number>; s3: number }> = {
      kms: { ms: [], kms: {}, s3: 0 },
      s3: { ms: [], kms: {}, s3: 0 },
    };
    for (let repetition = 0; repetition < repetitions; repetition++) {
      // Alternating the order spreads moto's warm-up and the machine's load over both paths.
      for (const storage of repetition % 2 === 0 ? paths : [...paths].reverse()) {
        context.progress(`kms: ${batchSize} EC-P256 devices under the ${storage} intermediate (run ${repetition + 1})`);
        const kmsBefore = snapshot(kmsCalls);
        const s3Before = total(snapshot(s3Calls));
        const ms = await timeIt(async () => {
          const results = await issueDeviceBatch(
            { count: batchSize, issuer: `${storage}-devices`, keyAlgorithm: "EC-P256" },
            repository,
            issuance,
          );
          const failed = results.filter((result) => !result.ok);
          if (failed.length > 0) throw new Error(`${failed.length} devices failed: ${JSON.stringify(failed[0])}`);
        });
        const run = runs[storage] as { ms: number[]; kms: Record<string, number>; s3: number };
        run.ms.push(ms);
        run.kms = difference(snapshot(kmsCalls), kmsBefore);
        run.s3 = total(snapshot(s3Calls)) - s3Before;
      }
    }
    const figures: Record<string, unknown> = { batchSize, repetitions, creationKmsCalls: creation };
    const rows: Cell[][] = [];
    for (const storage of paths) {
      const run = runs[storage] as { ms: number[]; kms: Record<string, number>; s3: number };
      const perCertificateMs = median(run.ms) / batchSize;
      figures[storage] = {
        batchMedianMs: round(median(run.ms)),
        perCertificateMs: round(perCertificateMs),
        kmsCallsPerCertificate: round(total(run.kms) / batchSize),
        kmsCallsOfLastBatch: run.kms,
        s3CallsPerCertificate: round(run.s3 / batchSize),
      };
      rows.push([
        `${storage}-backed intermediate`,
        formatDuration(median(run.ms)),
        formatDuration(perCertificateMs),
        `${round(total(run.kms) / batchSize, 3)} (${
          Object.entries(run.kms)
            .map(([name, count]) => `${name} ${count}`)
            .join(", ") || "none"
        })`,
        round(run.s3 / batchSize, 2),
        Object.entries(creation[storage] ?? {})
          .map(([name, count]) => `${name} ${count}`)
          .join(", ") || "none",
      ]);
    }
    return {
      id: "kms",
      title: `CA keys in KMS vs in the store: ${batchSize} EC-P256 devices per batch on moto_server (median of ${repetitions})`,
      headers: [
        "issuer",
        "batch",
        "per certificate",
        "KMS calls per certificate",
        "S3 calls per certificate",
        "KMS calls creating root + intermediate",
      ],
      rows,
      figures,
      notes: [
        "KMS calls are counted by a middleware on the client: one per command, retries not counted again.",
        "moto signs in Python on this machine; AWS KMS's own Sign latency and quotas are in BENCHMARKS.md.",
      ],
    };
  } finally {
    kms.destroy();
    s3.destroy();
    await moto.stop();
  }
}
