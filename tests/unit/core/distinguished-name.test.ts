/**
 * Subject names are built from fields, never parsed from a string: a value
 * such as `Acme, CN=evil` stays ONE attribute value (the seed concatenated
 * strings, so such a value could inject attributes).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildCertificate } from "../../../src/core/certificate-builder.js";
import { toX509Name } from "../../../src/core/distinguished-name.js";
import { InvalidRequestError } from "../../../src/core/errors.js";
import { generateKeyPair } from "../../../src/core/key-algorithms.js";
import { SoftwareSigner } from "../../../src/core/signer.js";
import { SUBJECT_LIMITS } from "../../../src/core/subject-limits.js";
import { validityPeriod } from "../../../src/core/validity.js";
import { Name, X509Certificate } from "../../../src/core/x509.js";

/** The RDNs of a DER-encoded name as [type, value] pairs, one array per RDN. */
function rdnsOf(name: Name): [string, string][][] {
  const reparsed = new Name(name.toArrayBuffer());
  return reparsed
    .toJSON()
    .map((rdn) =>
      Object.entries(rdn).flatMap(([type, values]) => values.map((value): [string, string] => [type, value])),
    );
}

const HOSTILE_VALUES = [
  "Acme, CN=evil",
  "Acme+CN=evil",
  "Acme/CN=evil",
  'Acme "quoted" <x>; O=evil',
  "#4142",
  " leading and trailing ",
  "back\\slash",
  "Ångström Ltd ©",
];

describe("toX509Name", () => {
  it("orders C, ST, O, CN, one attribute per RDN", () => {
    const name = toX509Name({
      commonName: "broker.dev.example.com",
      country: "SE",
      state: "Skane",
      organization: "Acme",
    });
    expect(rdnsOf(name)).toEqual([
      [["C", "SE"]],
      [["ST", "Skane"]],
      [["O", "Acme"]],
      [["CN", "broker.dev.example.com"]],
    ]);
  });

  it("leaves out absent fields", () => {
    expect(rdnsOf(toX509Name({ commonName: "sensor-1" }))).toEqual([[["CN", "sensor-1"]]]);
  });

  it.each(HOSTILE_VALUES)("keeps %j as one attribute value in O and in CN", (value) => {
    const name = toX509Name({ commonName: value, organization: value });
    expect(rdnsOf(name)).toEqual([[["O", value]], [["CN", value]]]);
    expect(name.getField("CN")).toEqual([value]);
    expect(name.getField("O")).toEqual([value]);
  });

  it("keeps `Acme, CN=evil` one attribute in a signed certificate, as openssl reads it", async () => {
    const keys = await generateKeyPair("EC-P256");
    const certificate = await buildCertificate(
      {
        kind: "root",
        subject: { commonName: "Acme, CN=evil", organization: "Acme, O=evil", country: "SE" },
        subjectPublicKey: keys.publicKey,
        subjectKeyAlgorithm: "EC-P256",
        validity: validityPeriod({ now: new Date(), validityDays: 1 }),
      },
      { selfSigner: new SoftwareSigner(keys.privateKey, "EC-P256") },
    );
    const parsed = new X509Certificate(certificate.toString("pem"));
    expect(parsed.subjectName.getField("CN")).toEqual(["Acme, CN=evil"]);
    expect(parsed.subjectName.getField("O")).toEqual(["Acme, O=evil"]);
    expect(rdnsOf(parsed.subjectName)).toHaveLength(3);
    // RFC 2253 output escapes the comma, so the printed name still has exactly three attributes.
    const rfc2253 = opensslSubject(certificate.toString("pem"));
    expect(rfc2253).toBe("CN=Acme\\, CN=evil,O=Acme\\, O=evil,C=SE");
  });

  it(`accepts a common name of 1 to ${SUBJECT_LIMITS.commonName} characters`, () => {
    expect(toX509Name({ commonName: "a" }).getField("CN")).toEqual(["a"]);
    const longest = "a".repeat(SUBJECT_LIMITS.commonName);
    expect(toX509Name({ commonName: longest }).getField("CN")).toEqual([longest]);
  });

  it.each([
    [{ commonName: "" }, "common_name"],
    [{ commonName: "a".repeat(SUBJECT_LIMITS.commonName + 1) }, "common_name"],
    [{ commonName: "x", country: "se" }, "country"],
    [{ commonName: "x", country: "SWE" }, "country"],
    [{ commonName: "x", country: "S1" }, "country"],
    [{ commonName: "x", country: "" }, "country"],
    [{ commonName: "x", state: "" }, "state"],
    [{ commonName: "x", state: "s".repeat(SUBJECT_LIMITS.state + 1) }, "state"],
    [{ commonName: "x", organization: "" }, "organization"],
    [{ commonName: "x", organization: "o".repeat(SUBJECT_LIMITS.organization + 1) }, "organization"],
  ])("refuses %j naming %s", (subject, field) => {
    let caught: unknown;
    try {
      toX509Name(subject);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect((caught as InvalidRequestError).field).toBe(field);
  });
});

/** The subject as `openssl x509 -subject -nameopt RFC2253` prints it. */
function opensslSubject(pem: string): string {
  const result = spawnSync("openssl", ["x509", "-noout", "-subject", "-nameopt", "RFC2253"], {
    input: pem,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim().replace(/^subject=\s*/, "");
}
