/**
 * One request, three ways, on the local (file) store, interleaved round by
 * round: the core use case on a FileObjectStore, the built Lambda bundle's
 * `handler(event)` in this process, and an HTTP request to the local server
 * (`node dist/local/server.mjs`, its own process and store).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../../src/adapters/file-object-store.js";
import { LocalCertificateImporter } from "../../src/adapters/local-certificate-importer.js";
import { CertificateRepository } from "../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../src/core/issuance/issue-server-certificate.js";
import { type Cell, formatDuration, formatRatio, median, round, summarize } from "../stats.js";
import { importHandler, proxyEvent } from "../support/bundles.js";
import { makeCsr } from "../support/csr.js";
import { expectStatus, startBenchServer } from "../support/local-server.js";
import type { RunContext, SectionResult } from "../support/report.js";
import { timeIt } from "../support/timing.js";

/** A Lambda proxy result as the status/body pair expectStatus reads. */
const fromLambda = (result: { statusCode: number; body: string }) => ({ status: result.statusCode, body: result.body });

const HIERARCHY = [
  { path: "/certificates/root", body: { name: "default", organization: "Bench", key_algorithm: "EC-P256" } },
  { path: "/certificates/intermediate", body: { name: "devices", organization: "Bench", key_algorithm: "EC-P256" } },
  { path: "/certificates/intermediate", body: { name: "servers", organization: "Bench", key_algorithm: "EC-P256" } },
];

export async function runHandler(context: RunContext): Promise<SectionResult> {
  const coreDirectory = mkdtempSync(join(tmpdir(), "iot-certs-bench-core-"));
  const handlerDirectory = mkdtempSync(join(tmpdir(), "iot-certs-bench-handler-"));
  // The bundles' composition roots read the environment at their first call.
  process.env.LOCAL_STORE_DIR = handlerDirectory;
  delete process.env.CERTIFICATE_BUCKET_NAME;
  delete process.env.PUBLIC_BASE_URL;
  const server = await startBenchServer();
  try {
    context.progress(
      "handler: creating the same hierarchy in the core store, the bundles' store and the server's store",
    );
    const repository = new CertificateRepository(new FileObjectStore(coreDirectory));
    const importer = new LocalCertificateImporter(new FileObjectStore(coreDirectory));
    await createRootCertificateAuthority(
      { name: "default", organization: "Bench", keyAlgorithm: "EC-P256" },
      repository,
    );
    for (const name of ["devices", "servers"]) {
      await createIntermediateCertificateAuthority(
        { name, organization: "Bench", keyAlgorithm: "EC-P256" },
        repository,
      );
    }
    const handlers = {
      root: await importHandler("CreateRootCertificateAuthorityFunction"),
      intermediate: await importHandler("CreateIntermediateCertificateAuthorityFunction"),
      device: await importHandler("IssueDeviceCertificateFunction"),
      server: await importHandler("IssueServerCertificateFunction"),
    };
    for (const step of HIERARCHY) {
      const handler = step.path.endsWith("root") ? handlers.root : handlers.intermediate;
      expectStatus(fromLambda(await handler(proxyEvent("POST", step.path, step.body))), 201, `handler ${step.path}`);
      expectStatus(await server.post(step.path, step.body), 201, `HTTP ${step.path}`);
    }
    const deviceCsr = await makeCsr("EC-P256", "bench-csr-device");

    const operations = [
      {
        name: "device, EC-P256 key",
        core: () =>
          issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256", organization: "Bench" }, repository),
        body: { issuer: "devices", key_algorithm: "EC-P256", organization: "Bench" },
        path: "/certificates/device",
        handler: handlers.device,
      },
      {
        name: "device, EC-P256 CSR",
        core: () => issueDeviceCertificate({ issuer: "devices", csr: deviceCsr }, repository),
        body: { issuer: "devices", csr: deviceCsr },
        path: "/certificates/device",
        handler: handlers.device,
      },
      {
        name: "server, EC-P256 key (+ local ACM record)",
        core: () =>
          issueServerCertificate(
            { fqdn: "broker.bench.example.com", issuer: "servers", keyAlgorithm: "EC-P256", organization: "Bench" },
            repository,
            importer,
          ),
        body: { fqdn: "broker.bench.example.com", issuer: "servers", key_algorithm: "EC-P256", organization: "Bench" },
        path: "/certificates/server",
        handler: handlers.server,
      },
    ];
    const rounds = context.quick ? 20 : 150;
    context.progress(`handler: ${operations.length} operations × ${rounds} rounds × (core, handler, HTTP)`);
    const samples = new Map<string, number[]>();
    const record = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
    for (let round = context.quick ? -2 : -5; round < rounds; round++) {
      for (const operation of operations) {
        const core = await timeIt(operation.core);
        const handler = await timeIt(async () =>
          expectStatus(
            fromLambda(await operation.handler(proxyEvent("POST", operation.path, operation.body))),
            201,
            operation.name,
          ),
        );
        const http = await timeIt(async () =>
          expectStatus(await server.post(operation.path, operation.body), 201, operation.name),
        );
        if (round < 0) continue; // warm-up
        record(`${operation.name}/core`, core);
        record(`${operation.name}/handler`, handler);
        record(`${operation.name}/http`, http);
      }
    }

    const rows: Cell[][] = [];
    const figures: Record<string, unknown> = {};
    for (const operation of operations) {
      const core = median(samples.get(`${operation.name}/core`) ?? []);
      for (const way of ["core", "handler", "http"] as const) {
        const summary = summarize(samples.get(`${operation.name}/${way}`) ?? []);
        const ratio = summary.median / core;
        figures[`${operation.name}/${way}`] = {
          medianMs: round(summary.median),
          p25Ms: round(summary.p25),
          p75Ms: round(summary.p75),
          n: summary.n,
          ratioToCore: round(ratio),
        };
        rows.push([
          operation.name,
          { core: "core (file store)", handler: "handler(event), dist bundle", http: "HTTP, local server" }[way],
          formatDuration(summary.median),
          `${formatDuration(summary.p25)} – ${formatDuration(summary.p75)}`,
          summary.n,
          formatRatio(ratio),
        ]);
      }
    }
    return {
      id: "handler",
      title: "One request: core vs Lambda handler vs local HTTP server (local file store)",
      headers: ["operation", "through", "median", "p25 – p75", "n", "× core"],
      rows,
      figures,
      notes: ["Sequential requests (concurrency 1); the HTTP client runs in the benchmark process, on the same CPUs."],
    };
  } finally {
    await server.stop();
    rmSync(coreDirectory, { recursive: true, force: true });
    rmSync(handlerDirectory, { recursive: true, force: true });
  }
}
