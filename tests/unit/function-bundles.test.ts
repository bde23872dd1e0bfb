/**
 * What goes into the function bundles, read from the metafiles the build
 * writes (dist/meta/<LogicalId>.json; the tests' global setup runs the
 * build): a function that signs and parses nothing does not carry
 * @peculiar/x509 (~100 KB of JavaScript that V8 compiles at every cold
 * start). The request schemas, which every function imports, must therefore
 * take their limits and enumerations from modules free of it, and the
 * PKCS#12 encoding of issuance responses stays out of the reading functions.
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

describe("function bundles", () => {
  it.each(["GetOpenApiFunction", "ListCertificatesFunction", "GetCertificateFunction"])(
    "%s (reads, signs nothing) carries neither @peculiar/x509 nor the ASN.1 libraries",
    (logicalId) => {
      const packages = bundledPackages(logicalId);
      expect(packages).toContain("zod"); // the metafile was read: the schemas are there
      expect(packages).not.toContain("@peculiar/x509");
      expect(packages.filter((name) => name.startsWith("@peculiar/asn1-"))).toEqual([]);
    },
  );

  it("a function that signs does carry @peculiar/x509 (the check above reads the right metafile entries)", () => {
    expect(bundledPackages("IssueDeviceCertificateFunction")).toContain("@peculiar/x509");
  });
});
