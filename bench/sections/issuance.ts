/**
 * Crypto floor and core issuance, per certificate type and key algorithm,
 * measured interleaved (round by round) so every ratio compares figures of
 * the same moments of the same run.
 *
 * - floor: node:crypto key generation + one signature (support/crypto-floor.ts).
 * - root, intermediate, server, device: the core use cases with a
 *   server-made key, on an in-memory store (no storage cost).
 * - server CSR, device CSR: the same for a CSR made with @peculiar/x509.
 *
 * Leaves are signed by an intermediate of their own algorithm (so "one
 * signature" of the floor is the issuer's signature); Ed25519 leaves by an
 * EC-P256 intermediate (a CA cannot hold an Ed25519 key). Intermediates are
 * signed by a root of their own algorithm.
 */

import { LocalCertificateImporter } from "../../src/adapters/local-certificate-importer.js";
import { CertificateRepository } from "../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../src/core/issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../../src/core/issuance/issue-server-certificate.js";
import { CA_KEY_ALGORITHMS, KEY_ALGORITHMS, type KeyAlgorithm } from "../../src/core/key-algorithms.js";
import { type Cell, formatDuration, formatRatio, median, round, summarize } from "../stats.js";
import { cryptoFloor } from "../support/crypto-floor.js";
import { makeCsr } from "../support/csr.js";
import { BenchMemoryStore } from "../support/memory-store.js";
import type { RunContext, SectionResult } from "../support/report.js";
import { timeIt } from "../support/timing.js";
import { type KeyGenerationTimer, timeKeyGeneration } from "../support/timing-crypto.js";

export const MEASURES = ["floor", "root", "intermediate", "server", "device", "server-csr", "device-csr"] as const;
type Measure = (typeof MEASURES)[number];

/** Rounds per algorithm: RSA key generation is slow and very noisy, EC is neither. */
function rounds(algorithm: KeyAlgorithm, quick: boolean): Record<Measure, number> {
  const all = (n: number, floorAndServer = n) =>
    Object.fromEntries(MEASURES.map((m) => [m, m === "floor" || m === "server" ? floorAndServer : n])) as Record<
      Measure,
      number
    >;
  if (quick) {
    if (algorithm === "RSA-2048") return all(3, 11);
    // One round (after the warm-up round) of slow RSA: enough to see the shape, not a figure to quote.
    if (algorithm === "RSA-3072" || algorithm === "RSA-4096") return all(1);
    return all(25);
  }
  // RSA-2048 carries a ratio target: many floor/server pairs make the medians steady.
  if (algorithm === "RSA-2048") return all(31, 251);
  if (algorithm === "RSA-3072") return all(11);
  if (algorithm === "RSA-4096") return all(5);
  return all(201);
}

const slug = (algorithm: KeyAlgorithm) => algorithm.toLowerCase();

export async function runIssuance(context: RunContext): Promise<SectionResult> {
  const store = new BenchMemoryStore();
  const repository = new CertificateRepository(store);
  const importer = new LocalCertificateImporter(store);
  const timing = timeKeyGeneration();
  try {
    return await measureIssuance(context, repository, importer, timing);
  } finally {
    timing.restore();
  }
}

async function measureIssuance(
  context: RunContext,
  repository: CertificateRepository,
  importer: LocalCertificateImporter,
  timing: KeyGenerationTimer,
): Promise<SectionResult> {
  const issuance = {};

  context.progress("issuance: creating a root and an intermediate per CA algorithm, and CSRs");
  for (const algorithm of CA_KEY_ALGORITHMS) {
    await createRootCertificateAuthority(
      { name: `r-${slug(algorithm)}`, keyAlgorithm: algorithm, organization: "Bench" },
      repository,
    );
    await createIntermediateCertificateAuthority(
      { name: `i-${slug(algorithm)}`, issuer: `r-${slug(algorithm)}`, keyAlgorithm: algorithm, organization: "Bench" },
      repository,
    );
  }
  const leafIssuer = (algorithm: KeyAlgorithm) => `i-${slug(algorithm === "Ed25519" ? "EC-P256" : algorithm)}`;
  const serverCsrName = "csr.bench.example.com";
  const csrs = new Map<KeyAlgorithm, { server: string; device: string }>();
  for (const algorithm of KEY_ALGORITHMS) {
    csrs.set(algorithm, {
      server: await makeCsr(algorithm, serverCsrName, [{ type: "dns", value: serverCsrName }]),
      device: await makeCsr(algorithm, "bench-csr-device"),
    });
  }

  const samples = new Map<string, number[]>();
  /** Time spent in everything but key generation, per sample, for the server measure. */
  const serverWithoutKeygen = new Map<KeyAlgorithm, number[]>();
  const record = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);

  for (const algorithm of KEY_ALGORITHMS) {
    const plan = rounds(algorithm, context.quick);
    const isCa = (CA_KEY_ALGORITHMS as readonly string[]).includes(algorithm);
    const total = Math.max(...Object.values(plan));
    context.progress(`issuance: ${algorithm}, ${total} rounds`);
    // Round -1 warms up (compiles code, loads issuers); the quick run skips it for slow RSA keys.
    const slow = algorithm === "RSA-3072" || algorithm === "RSA-4096";
    for (let round = context.quick && slow ? 0 : -1; round < total; round++) {
      const measure = async (name: Measure, fn: () => Promise<unknown>) => {
        if (round >= plan[name]) return;
        timing.take();
        const ms = await timeIt(fn);
        const keygen = timing.take();
        if (round < 0) return;
        record(`${name}/${algorithm}`, ms);
        if (name === "server")
          serverWithoutKeygen.set(algorithm, [...(serverWithoutKeygen.get(algorithm) ?? []), ms - keygen]);
      };
      const id = `${round + 1}`;
      await measure("floor", () => cryptoFloor(algorithm));
      if (isCa) {
        await measure("root", () =>
          createRootCertificateAuthority(
            { name: `b-${slug(algorithm)}-${id}`, keyAlgorithm: algorithm, organization: "Bench" },
            repository,
            issuance,
          ),
        );
        await measure("intermediate", () =>
          createIntermediateCertificateAuthority(
            {
              name: `c-${slug(algorithm)}-${id}`,
              issuer: `r-${slug(algorithm)}`,
              keyAlgorithm: algorithm,
              organization: "Bench",
            },
            repository,
            issuance,
          ),
        );
        await measure("server", () =>
          issueServerCertificate(
            {
              fqdn: `s${id}.${slug(algorithm)}.bench.example.com`,
              issuer: leafIssuer(algorithm),
              keyAlgorithm: algorithm,
              organization: "Bench",
            },
            repository,
            importer,
            issuance,
          ),
        );
      }
      await measure("device", () =>
        issueDeviceCertificate(
          {
            deviceId: `d-${slug(algorithm)}-${id}`,
            issuer: leafIssuer(algorithm),
            keyAlgorithm: algorithm,
            organization: "Bench",
          },
          repository,
          issuance,
        ),
      );
      const csr = csrs.get(algorithm) as { server: string; device: string };
      await measure("server-csr", () =>
        issueServerCertificate(
          { fqdn: serverCsrName, csr: csr.server, issuer: leafIssuer(algorithm) },
          repository,
          importer,
          issuance,
        ),
      );
      await measure("device-csr", () =>
        issueDeviceCertificate({ csr: csr.device, issuer: leafIssuer(algorithm) }, repository, issuance),
      );
    }
  }

  const figures: Record<string, unknown> = {};
  const rows: Cell[][] = [];
  for (const algorithm of KEY_ALGORITHMS) {
    const floor = median(samples.get(`floor/${algorithm}`) ?? [Number.NaN]);
    for (const name of MEASURES) {
      const values = samples.get(`${name}/${algorithm}`);
      if (!values) continue;
      const summary = summarize(values);
      const keyMade = name === "root" || name === "intermediate" || name === "server" || name === "device";
      const ratio = name === "floor" ? undefined : keyMade ? summary.median / floor : undefined;
      figures[`${name}/${algorithm}`] = {
        medianMs: round(summary.median),
        p25Ms: round(summary.p25),
        p75Ms: round(summary.p75),
        n: summary.n,
        ...(ratio === undefined ? {} : { ratioToFloor: round(ratio) }),
      };
      rows.push([
        name,
        algorithm,
        name === "floor" ? "node:crypto" : leafIssuerLabel(name, algorithm),
        formatDuration(summary.median),
        `${formatDuration(summary.p25)} – ${formatDuration(summary.p75)}`,
        summary.n,
        ratio === undefined ? undefined : formatRatio(ratio),
      ]);
    }
    const withoutKeygen = serverWithoutKeygen.get(algorithm);
    if (withoutKeygen && withoutKeygen.length > 0) {
      const overhead = median(withoutKeygen);
      figures[`server-overhead/${algorithm}`] = {
        medianMs: round(overhead),
        adjustedRatioToFloor: round((floor + overhead) / floor),
        n: withoutKeygen.length,
      };
    }
  }
  const rsaOverhead = figures["server-overhead/RSA-2048"] as
    | { medianMs: number; adjustedRatioToFloor: number }
    | undefined;
  return {
    id: "issuance",
    title: "Crypto floor and core issuance (in-memory store), per certificate",
    headers: ["measure", "algorithm", "signed by", "median", "p25 – p75", "n", "× floor"],
    rows,
    figures,
    notes: [
      "floor = node:crypto generateKeyPair + one sign (async, thread pool); × floor = median / median floor of the same run.",
      rsaOverhead
        ? `RSA-2048 server: median time outside key generation ${formatDuration(rsaOverhead.medianMs)}; floor + that = ${formatRatio(rsaOverhead.adjustedRatioToFloor)} floor (steadier than the ratio of medians, which carries RSA key-generation noise).`
        : "",
    ].filter(Boolean),
  };
}

function leafIssuerLabel(measure: Measure, algorithm: KeyAlgorithm): string {
  if (measure === "root") return "self";
  if (measure === "intermediate") return `root ${algorithm}`;
  return `int. ${algorithm === "Ed25519" ? "EC-P256" : algorithm}`;
}
