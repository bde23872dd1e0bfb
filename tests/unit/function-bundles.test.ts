/**
 * What goes into the function bundles, read from the metafiles the build
 * writes (dist/meta/<LogicalId>.json; the tests' global setup runs the
 * build): a function that signs and parses nothing does not load
 * @peculiar/x509 at start-up (~100 KB of JavaScript that V8 would evaluate at
 * every cold start). The request schemas, which every function imports, must
 * therefore take their limits and enumerations from modules free of it, and
 * the PKCS#12 encoding of issuance responses stays out of the reading
 * functions. The composition root's CA key custodies reach it only through a
 * dynamic import, which esbuild keeps in the bundle but evaluates only when a
 * function signs: the check follows static imports from the entry point.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The packages (under node_modules) whose code went into a function's bundle. */
function bundledPackages(logicalId: string): string[] {
  const metafile = JSON.parse(readFileSync(`dist/meta/${logicalId}.json`, "utf8")) as {
    inputs: Record<string, unknown>;
  };
  const packages = Object.keys(metafile.inputs).flatMap((input) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(packages)].sort();
}

/** The packages whose code is in a function's output file (what esbuild kept after tree-shaking). */
function packagesInOutput(logicalId: string): string[] {
  const metafile = JSON.parse(readFileSync(`dist/meta/${logicalId}.json`, "utf8")) as {
    outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown> }>;
  };
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint);
  const packages = Object.keys(output?.inputs ?? {}).flatMap((input) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(packages)].sort();
}

/** The packages a function loads at start-up: reached from its entry point through static imports only. */
function packagesLoadedAtStart(logicalId: string): string[] {
  const metafile = JSON.parse(readFileSync(`dist/meta/${logicalId}.json`, "utf8")) as {
    inputs: Record<string, { imports: { path: string; kind: string }[] }>;
    outputs: Record<string, { entryPoint?: string }>;
  };
  const entry = Object.values(metafile.outputs).find((output) => output.entryPoint)?.entryPoint;
  const reached = new Set<string>();
  const pending = entry ? [entry] : [];
  for (let input = pending.pop(); input !== undefined; input = pending.pop()) {
    if (reached.has(input)) continue;
    reached.add(input);
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      if (imported.kind !== "dynamic-import" && imported.path in metafile.inputs) pending.push(imported.path);
    }
  }
  const packages = [...reached].flatMap((input) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match?.[1] ? [match[1]] : [];
  });
  return [...new Set(packages)].sort();
}

describe("function bundles", () => {
  it("GET /openapi.json carries neither @peculiar/x509 nor the ASN.1 libraries at all", () => {
    const packages = bundledPackages("GetOpenApiFunction");
    expect(packages).toContain("zod");
    expect(packages).not.toContain("@peculiar/x509");
    expect(packages.filter((name) => name.startsWith("@peculiar/asn1-"))).toEqual([]);
  });

  it.each(["GetOpenApiFunction", "ListCertificatesFunction", "GetCertificateFunction"])(
    "%s (reads, signs nothing) loads neither @peculiar/x509 nor the ASN.1 libraries at start-up",
    (logicalId) => {
      const packages = packagesLoadedAtStart(logicalId);
      expect(packages).toContain("zod"); // the metafile was read: the schemas are there
      expect(packages).not.toContain("@peculiar/x509");
      expect(packages.filter((name) => name.startsWith("@peculiar/asn1-"))).toEqual([]);
    },
  );

  it("carries @aws-sdk/client-iot only where IoT is called, and loads it only at the first IoT call", () => {
    for (const logicalId of [
      "RegisterCaWithIotFunction",
      "IssueDeviceCertificateFunction",
      "IssueDeviceBatchFunction",
      "RegisterDeviceWithIotFunction",
      "RevokeCertificateFunction",
      "RenewDeviceCertificateFunction",
    ]) {
      expect(packagesInOutput(logicalId), logicalId).toContain("@aws-sdk/client-iot");
      expect(packagesLoadedAtStart(logicalId), logicalId).not.toContain("@aws-sdk/client-iot");
    }
    for (const logicalId of [
      "GetOpenApiFunction",
      "ListCertificatesFunction",
      "GetCertificateFunction",
      "CreateRootCertificateAuthorityFunction",
      "CreateIntermediateCertificateAuthorityFunction",
      "IssueServerCertificateFunction",
      "RenewServerCertificateFunction",
      "GetCertificateRevocationListFunction",
      "ScanExpiringCertificatesFunction",
    ]) {
      expect(packagesInOutput(logicalId), logicalId).not.toContain("@aws-sdk/client-iot");
    }
  });

  it("a function that signs does load @peculiar/x509 at start-up (the checks above read the right entries)", () => {
    expect(packagesLoadedAtStart("IssueDeviceCertificateFunction")).toContain("@peculiar/x509");
  });

  it("the AWS IoT Core certificate provider carries device issuance and S3, but no IoT or ACM client (it calls neither)", () => {
    const packages = packagesInOutput("IotCertificateProviderFunction");
    expect(packages).toContain("@aws-sdk/client-s3");
    expect(packagesLoadedAtStart("IotCertificateProviderFunction")).toContain("@peculiar/x509");
    expect(packages).not.toContain("@aws-sdk/client-iot");
    expect(packages).not.toContain("@aws-sdk/client-acm");
    // The same check sees the ACM client where it is: the server function.
    expect(packagesInOutput("IssueServerCertificateFunction")).toContain("@aws-sdk/client-acm");
  });
});
