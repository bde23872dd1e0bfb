/**
 * Throughput of EC-P256 device certificates (server-made key, and CSR) at
 * concurrency 1, 2 and 4: through the core on an in-memory store (a fresh
 * copy of the hierarchy per repetition), and over HTTP to the local server
 * (file store). Each figure is the median of repeated timed windows.
 */
import { CertificateRepository } from "../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../src/core/issuance/issue-device-certificate.js";
import { type Cell, formatRate, median, round } from "../stats.js";
import { makeCsr } from "../support/csr.js";
import { expectStatus, startBenchServer } from "../support/local-server.js";
import { BenchMemoryStore } from "../support/memory-store.js";
import type { RunContext, SectionResult } from "../support/report.js";
import { settle, throughput } from "../support/timing.js";

export const CONCURRENCY = [1, 2, 4] as const;

export async function runThroughput(context: RunContext): Promise<SectionResult> {
  const repetitions = context.quick ? 2 : 5;
  const durationMs = context.quick ? 400 : 2500;
  const maxOperations = 100_000;

  const template = new BenchMemoryStore();
  const templateRepository = new CertificateRepository(template);
  await createRootCertificateAuthority(
    { name: "default", organization: "Bench", keyAlgorithm: "EC-P256" },
    templateRepository,
  );
  await createIntermediateCertificateAuthority(
    { name: "devices", organization: "Bench", keyAlgorithm: "EC-P256" },
    templateRepository,
  );
  const csr = await makeCsr("EC-P256", "bench-csr-device");

  const kinds = [
    { name: "EC-P256 key", request: { issuer: "devices", keyAlgorithm: "EC-P256" as const, organization: "Bench" } },
    { name: "EC-P256 CSR", request: { issuer: "devices", csr } },
  ];
  const rates = new Map<string, number[]>();
  const record = (key: string, value: number) => rates.set(key, [...(rates.get(key) ?? []), value]);

  for (const kind of kinds) {
    for (const concurrency of CONCURRENCY) {
      context.progress(`throughput: core, ${kind.name}, concurrency ${concurrency}`);
      for (let repetition = 0; repetition < repetitions; repetition++) {
        const repository = new CertificateRepository(template.clone());
        const issue = () => issueDeviceCertificate(kind.request, repository);
        for (let i = 0; i < (context.quick ? 10 : 50); i++) await issue(); // warm-up: loads the issuer, compiles
        await settle();
        const result = await throughput(issue, { concurrency, durationMs, maxOperations });
        record(`core/${kind.name}/${concurrency}`, result.perSecond);
      }
    }
  }

  const server = await startBenchServer();
  try {
    expectStatus(
      await server.post("/certificates/root", { organization: "Bench", key_algorithm: "EC-P256" }),
      201,
      "root",
    );
    expectStatus(
      await server.post("/certificates/intermediate", {
        name: "devices",
        organization: "Bench",
        key_algorithm: "EC-P256",
      }),
      201,
      "intermediate",
    );
    const bodies: Record<string, unknown> = {
      "EC-P256 key": { issuer: "devices", key_algorithm: "EC-P256", organization: "Bench" },
      "EC-P256 CSR": { issuer: "devices", csr },
    };
    for (const kind of kinds) {
      for (const concurrency of CONCURRENCY) {
        context.progress(`throughput: HTTP, ${kind.name}, concurrency ${concurrency}`);
        const issue = async () =>
          expectStatus(await server.post("/certificates/device", bodies[kind.name]), 201, "device");
        for (let i = 0; i < (context.quick ? 10 : 50); i++) await issue();
        for (let repetition = 0; repetition < repetitions; repetition++) {
          await settle();
          const result = await throughput(issue, { concurrency, durationMs, maxOperations });
          record(`http/${kind.name}/${concurrency}`, result.perSecond);
        }
      }
    }
  } finally {
    await server.stop();
  }

  const rows: Cell[][] = [];
  const figures: Record<string, unknown> = {};
  for (const way of ["core", "http"] as const) {
    for (const kind of kinds) {
      const row: Cell[] = [way === "core" ? "core (in-memory store)" : "HTTP (local server, file store)", kind.name];
      for (const concurrency of CONCURRENCY) {
        const values = rates.get(`${way}/${kind.name}/${concurrency}`) ?? [];
        const value = median(values);
        figures[`${way}/${kind.name}/c${concurrency}`] = {
          perSecond: round(value),
          repetitions: values.map((v) => round(v)),
        };
        row.push(formatRate(value));
      }
      rows.push(row);
    }
  }
  return {
    id: "throughput",
    title: "Throughput, EC-P256 device certificates (certificates per second)",
    headers: ["through", "key", ...CONCURRENCY.map((c) => `concurrency ${c}`)],
    rows,
    figures,
    notes: [
      `Median of ${repetitions} windows of ${durationMs} ms each. Over HTTP the client shares the CPUs with the server.`,
    ],
  };
}
