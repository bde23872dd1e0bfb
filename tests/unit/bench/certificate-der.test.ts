/**
 * The direct DER certificate builder (src/core/certificate-builder.ts, the
 * performance fix of issue 6) against the generic one it replaced:
 * @peculiar/x509's X509CertificateGenerator, given the same inputs (subject,
 * issuer, serial, validity, key, the profile's extensions).
 *
 * - the TBSCertificate is equal byte for byte, for every profile, key and
 *   issuer algorithm, with and without SANs and CRL Distribution Point, in
 *   UTCTime and GeneralizedTime; with RSA issuers (deterministic signatures)
 *   the whole certificate is;
 * - every field parses to the same value with @peculiar/x509, and
 *   `openssl x509 -text` prints the same (but the ECDSA signature, random);
 * - `openssl verify -x509_strict` accepts chains built with it;
 * - the certificate object behaves as a parsed X509Certificate.
 */
import { describe, expect, it } from "vitest";
import {
  buildCertificate,
  type CertificateBuildParams,
  certificatePem,
  type SigningAuthority,
} from "../../../src/core/certificate-builder.js";
import { profileExtensions, type SubjectAltName } from "../../../src/core/certificate-profiles.js";
import { toX509Name } from "../../../src/core/distinguished-name.js";
import {
  CA_KEY_ALGORITHMS,
  type CertificateAuthorityKeyAlgorithm,
  generateKeyPair,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  webCryptoParams,
} from "../../../src/core/key-algorithms.js";
import { validityPeriod } from "../../../src/core/validity.js";
import {
  BasicConstraintsExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "../../../src/core/x509.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";

type Signer = { issuer: SigningAuthority } | { selfSigningKey: CryptoKey };

/** What X509CertificateGenerator makes from the same inputs (the pre-issue-6 builder, verbatim). */
async function reference(params: CertificateBuildParams, signer: Signer): Promise<X509Certificate> {
  const subject = toX509Name(params.subject);
  const issuer = "issuer" in signer ? signer.issuer : undefined;
  const extensions = await profileExtensions({
    kind: params.kind,
    subjectPublicKey: params.subjectPublicKey,
    subjectKeyAlgorithm: params.subjectKeyAlgorithm,
    issuerCertificate: issuer?.certificate,
    subjectAltNames: params.subjectAltNames,
    crlDistributionPoint: params.crlDistributionPoint,
  });
  return X509CertificateGenerator.create({
    serialNumber: params.serialNumber,
    subject,
    issuer: issuer ? issuer.certificate.subjectName : subject,
    notBefore: params.validity.notBefore,
    notAfter: params.validity.notAfter,
    publicKey: params.subjectPublicKey,
    signingKey: issuer ? issuer.privateKey : (signer as { selfSigningKey: CryptoKey }).selfSigningKey,
    signingAlgorithm: webCryptoParams(issuer ? issuer.keyAlgorithm : params.subjectKeyAlgorithm),
    extensions,
  });
}

const bytes = (buffer: ArrayBuffer) => Buffer.from(buffer).toString("hex");

/** The TBSCertificate of a certificate's DER: the first element of the outer SEQUENCE, as hex. */
function tbsOf(certificate: X509Certificate): string {
  const der = new Uint8Array(certificate.rawData);
  const headerLength = (offset: number) =>
    (der[offset + 1] as number) < 0x80 ? 2 : 2 + ((der[offset + 1] as number) & 0x7f);
  const contentLength = (offset: number) => {
    const first = der[offset + 1] as number;
    if (first < 0x80) return first;
    let length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (der[offset + 2 + i] as number);
    return length;
  };
  const start = headerLength(0);
  return Buffer.from(der.subarray(start, start + headerLength(start) + contentLength(start))).toString("hex");
}
const keys = new Map<KeyAlgorithm, Promise<CryptoKeyPair>>();
const keyOf = (algorithm: KeyAlgorithm) => {
  if (!keys.has(algorithm)) keys.set(algorithm, generateKeyPair(algorithm));
  return keys.get(algorithm) as Promise<CryptoKeyPair>;
};

const SUBJECT = { commonName: "Acme Dev Root CA", country: "SE", state: "Skåne län", organization: "Acme IoT AB" };
const SERVER_NAMES: SubjectAltName[] = [
  { type: "dns", value: "broker.dev.example.com" },
  { type: "dns", value: "*.brokers.dev.example.com" },
  { type: "ip", value: "192.0.2.10" },
  { type: "ip", value: "2001:db8::ff00:42:8329" },
  { type: "ip", value: "::1" },
];
const DEVICE_NAMES: SubjectAltName[] = [
  { type: "url", value: "urn:dev:mac:0024befffe804ff1" },
  { type: "url", value: "spiffe://dev.example.com/device/thermostat-42" },
  { type: "dns", value: "thermostat-42.devices.example.com" },
];
const CRL_URL = "https://pki.dev.example.com/crl/intermediate/devices";

async function makeRoot(algorithm: CertificateAuthorityKeyAlgorithm, validityDays = 3650) {
  const keys = await keyOf(algorithm);
  const params: CertificateBuildParams = {
    kind: "root",
    subject: SUBJECT,
    subjectPublicKey: keys.publicKey,
    subjectKeyAlgorithm: algorithm,
    validity: validityPeriod({ now: new Date(), validityDays }),
    serialNumber: "4a5b6c7d8e9f00112233445566778899",
  };
  const certificate = await buildCertificate(params, { selfSigningKey: keys.privateKey });
  const authority: SigningAuthority = {
    name: "root",
    kind: "root",
    certificate: new X509Certificate(certificatePem(certificate)),
    privateKey: keys.privateKey,
    keyAlgorithm: algorithm,
    chainPem: certificatePem(certificate),
  };
  return { params, certificate, authority, keys };
}

describe("direct DER certificates = X509CertificateGenerator's", () => {
  it.each(CA_KEY_ALGORITHMS)(
    "self-signed %s root: same TBS (long validity: GeneralizedTime from 2050)",
    async (algorithm) => {
      for (const validityDays of [30, 9125]) {
        const { params, certificate, keys } = await makeRoot(algorithm, validityDays);
        const expected = await reference(params, { selfSigningKey: keys.privateKey });
        expect(tbsOf(certificate)).toBe(tbsOf(expected));
        if (algorithm.startsWith("RSA")) expect(bytes(certificate.rawData)).toBe(bytes(expected.rawData));
        expect(await certificate.verify({ date: new Date() })).toBe(true);
      }
    },
  );

  const issuers = ["RSA-2048", "EC-P256", "EC-P384"] as const;
  for (const issuerAlgorithm of issuers) {
    describe(`signed by a ${issuerAlgorithm} CA`, () => {
      it.each(KEY_ALGORITHMS)(
        "every profile with a %s subject key: same TBS, and the same certificate when RSA signs",
        async (subjectAlgorithm) => {
          const root = await makeRoot(issuerAlgorithm);
          const keys = await keyOf(subjectAlgorithm);
          const cases: Partial<CertificateBuildParams>[] = [
            { kind: "intermediate" },
            { kind: "intermediate", crlDistributionPoint: CRL_URL },
            { kind: "server", subjectAltNames: SERVER_NAMES },
            {
              kind: "server",
              subjectAltNames: [{ type: "dns", value: "a.example.com" }],
              crlDistributionPoint: CRL_URL,
            },
            { kind: "device" },
            { kind: "device", subjectAltNames: DEVICE_NAMES, crlDistributionPoint: CRL_URL },
          ];
          for (const [index, variant] of cases.entries()) {
            const params: CertificateBuildParams = {
              kind: "device",
              subject:
                index % 2 === 0
                  ? { commonName: `leaf-${index}.example.com` }
                  : { ...SUBJECT, commonName: `Ünïcode ${index}` },
              subjectPublicKey: keys.publicKey,
              subjectKeyAlgorithm: subjectAlgorithm,
              validity: validityPeriod({ now: new Date(), validityDays: 365 }),
              serialNumber: index % 2 === 0 ? "0102030405060708090a0b0c0d0e0f10" : "ff02030405060708090a0b0c0d0e0f10",
              ...variant,
            };
            const signer = { issuer: root.authority };
            const [mine, expected] = await Promise.all([buildCertificate(params, signer), reference(params, signer)]);
            const label = `${issuerAlgorithm} → ${subjectAlgorithm} ${JSON.stringify(variant)}`;
            expect(tbsOf(mine), label).toBe(tbsOf(expected));
            if (issuerAlgorithm.startsWith("RSA")) expect(bytes(mine.rawData), label).toBe(bytes(expected.rawData));
            expect(
              await mine.verify({ publicKey: root.authority.certificate.publicKey, signatureOnly: true }),
              label,
            ).toBe(true);
            expectSameFields(mine, expected, label);
          }
        },
      );
    });
  }

  it("takes a random serial (16 octets, positive) when none is given, like randomSerialNumber", async () => {
    const root = await makeRoot("EC-P256");
    const keys = await keyOf("EC-P256");
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const certificate = await buildCertificate(
        {
          kind: "device",
          subject: { commonName: `d-${i}` },
          subjectPublicKey: keys.publicKey,
          subjectKeyAlgorithm: "EC-P256",
          validity: validityPeriod({ now: new Date(), validityDays: 1 }),
        },
        { issuer: root.authority },
      );
      expect(certificate.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
      expect(new X509Certificate(certificatePem(certificate)).serialNumber).toBe(certificate.serialNumber);
      serials.add(certificate.serialNumber);
    }
    expect(serials.size).toBe(20);
  });
});

/** Every field @peculiar/x509 parses is the same in both certificates. */
function expectSameFields(mine: X509Certificate, expected: X509Certificate, label: string): void {
  const parsed = new X509Certificate(certificatePem(mine));
  expect(parsed.serialNumber, label).toBe(expected.serialNumber);
  expect(parsed.subject, label).toBe(expected.subject);
  expect(parsed.issuer, label).toBe(expected.issuer);
  expect(parsed.notBefore.toISOString(), label).toBe(expected.notBefore.toISOString());
  expect(parsed.notAfter.toISOString(), label).toBe(expected.notAfter.toISOString());
  expect(parsed.signatureAlgorithm, label).toEqual(expected.signatureAlgorithm);
  expect(bytes(parsed.publicKey.rawData), label).toBe(bytes(expected.publicKey.rawData));
  expect(
    parsed.extensions.map((extension) => [extension.type, extension.critical, bytes(extension.value)]),
    label,
  ).toEqual(expected.extensions.map((extension) => [extension.type, extension.critical, bytes(extension.value)]));
  // What the builder reports without parsing equals what parsing finds.
  expect(mine.serialNumber, label).toBe(parsed.serialNumber);
  expect(mine.notBefore.toISOString(), label).toBe(parsed.notBefore.toISOString());
  expect(mine.notAfter.toISOString(), label).toBe(parsed.notAfter.toISOString());
}

describe("what openssl makes of them", () => {
  const withoutSignature = (text: string) => text.replace(/Signature Value:[\s\S]*$/, "");

  it.each(["RSA-2048", "EC-P256"] as const)(
    "openssl x509 -text prints the same as for the reference (%s issuer)",
    async (issuerAlgorithm) => {
      const root = await makeRoot(issuerAlgorithm);
      for (const subjectAlgorithm of ["RSA-2048", "EC-P384", "Ed25519"] as const) {
        const keys = await keyOf(subjectAlgorithm);
        const params: CertificateBuildParams = {
          kind: subjectAlgorithm === "Ed25519" ? "device" : "server",
          subject: { commonName: "broker.dev.example.com", organization: "Acme IoT" },
          subjectPublicKey: keys.publicKey,
          subjectKeyAlgorithm: subjectAlgorithm,
          validity: validityPeriod({ now: new Date(), validityDays: 365 }),
          subjectAltNames: subjectAlgorithm === "Ed25519" ? DEVICE_NAMES : SERVER_NAMES,
          crlDistributionPoint: CRL_URL,
          serialNumber: "5a5b6c7d8e9f00112233445566778899",
        };
        const signer = { issuer: root.authority };
        const [mine, expected] = await Promise.all([buildCertificate(params, signer), reference(params, signer)]);
        const [mineText, expectedText] = [opensslText(certificatePem(mine)), opensslText(certificatePem(expected))];
        if (issuerAlgorithm.startsWith("RSA")) expect(mineText).toBe(expectedText);
        else expect(withoutSignature(mineText)).toBe(withoutSignature(expectedText));
        expect(mineText).toContain("X509v3 Subject Key Identifier");
        expect(mineText).toContain("X509v3 Authority Key Identifier");
        expect(mineText).toContain(
          "IP Address:2001:DB8:0:0:0:FF00:42:8329".slice(0, subjectAlgorithm === "Ed25519" ? 0 : 99),
        );
      }
    },
  );

  it.each(CA_KEY_ALGORITHMS)(
    "openssl verify -x509_strict accepts a %s root → intermediate → server and device chain",
    async (algorithm) => {
      const root = await makeRoot(algorithm);
      const intermediateKeys = await keyOf(algorithm === "EC-P384" ? "EC-P256" : "EC-P384");
      const intermediateAlgorithm = algorithm === "EC-P384" ? "EC-P256" : "EC-P384";
      const intermediate = await buildCertificate(
        {
          kind: "intermediate",
          subject: { commonName: "Acme Devices Intermediate CA", organization: "Acme IoT" },
          subjectPublicKey: intermediateKeys.publicKey,
          subjectKeyAlgorithm: intermediateAlgorithm,
          validity: validityPeriod({ now: new Date(), validityDays: 1825 }),
          crlDistributionPoint: CRL_URL,
        },
        { issuer: root.authority },
      );
      const authority: SigningAuthority = {
        name: "devices",
        kind: "intermediate",
        certificate: intermediate,
        privateKey: intermediateKeys.privateKey,
        keyAlgorithm: intermediateAlgorithm,
        chainPem: certificatePem(intermediate) + root.authority.chainPem,
      };
      for (const [kind, purpose, names] of [
        ["server", "sslserver", SERVER_NAMES],
        ["device", "sslclient", DEVICE_NAMES],
      ] as const) {
        for (const leafAlgorithm of KEY_ALGORITHMS) {
          if (kind === "server" && leafAlgorithm === "Ed25519") continue;
          const keys = await keyOf(leafAlgorithm);
          const leaf = await buildCertificate(
            {
              kind,
              subject: { commonName: kind === "server" ? "broker.dev.example.com" : "thermostat-42" },
              subjectPublicKey: keys.publicKey,
              subjectKeyAlgorithm: leafAlgorithm,
              validity: validityPeriod({ now: new Date(), validityDays: 365 }),
              subjectAltNames: names,
            },
            { issuer: authority },
          );
          const verdict = opensslVerify({
            trusted: root.authority.chainPem,
            untrusted: certificatePem(intermediate),
            certificate: certificatePem(leaf),
            purpose,
          });
          expect(verdict.output, `${algorithm} → ${intermediateAlgorithm} → ${kind} ${leafAlgorithm}`).toMatch(
            /: OK\s*$/,
          );
          expect(verdict.ok).toBe(true);
        }
      }
    },
  );
});

describe("the certificate object", () => {
  it("is an X509Certificate whose every accessor works, parsing its DER only when asked", async () => {
    const root = await makeRoot("EC-P256");
    const certificate = root.certificate;
    expect(certificate).toBeInstanceOf(X509Certificate);
    const parsed = new X509Certificate(certificatePem(certificate));
    expect(certificate.toString("pem")).toBe(parsed.toString("pem"));
    expect(certificatePem(certificate)).toBe(`${parsed.toString("pem").trim()}\n`);
    expect(certificate.subject).toBe(parsed.subject);
    expect(certificate.issuer).toBe(parsed.issuer);
    expect(certificate.getExtension(BasicConstraintsExtension)?.ca).toBe(true);
    expect(certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId).toBe(
      parsed.getExtension(SubjectKeyIdentifierExtension)?.keyId,
    );
    expect(await certificate.isSelfSigned()).toBe(true);
    expect(certificate.equal(parsed)).toBe(true);
    expect(bytes(await certificate.getThumbprint())).toBe(bytes(await parsed.getThumbprint()));
  });

  it("keeps the PEM format of the library: 64-character lines, one trailing newline", async () => {
    const { certificate } = await makeRoot("RSA-2048");
    const pem = certificatePem(certificate);
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(pem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
  });
});
