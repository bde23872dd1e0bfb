/**
 * buildCertificate, checked the way users check certificates: every field
 * parsed back (serial, names, validity, extensions of each profile, signature
 * algorithm), `openssl x509 -text`, and `openssl verify -x509_strict` on
 * issued chains; and it signs through the issuer's Signer and nothing else.
 */
import { createHash, KeyObject, verify } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import {
  buildCertificate,
  type CertificateBuildParams,
  certificatePem,
  type SigningAuthority,
} from "../../../src/core/certificate-builder.js";
import type { CertificateKind, SubjectAltName } from "../../../src/core/certificate-profiles.js";
import {
  CA_KEY_ALGORITHMS,
  type CertificateAuthorityKeyAlgorithm,
  generateKeyPair,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
} from "../../../src/core/key-algorithms.js";
import { type Signer, SoftwareSigner } from "../../../src/core/signer.js";
import { validityPeriod } from "../../../src/core/validity.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from "../../../src/core/x509.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import { DER_TAG, derChildren, parseCertificateDer, readDer } from "../../support/trust/der.js";

const keys = new Map<KeyAlgorithm, Promise<CryptoKeyPair>>();
const keyOf = (algorithm: KeyAlgorithm) => {
  if (!keys.has(algorithm)) keys.set(algorithm, generateKeyPair(algorithm));
  return keys.get(algorithm) as Promise<CryptoKeyPair>;
};

const ROOT_SUBJECT = { commonName: "Acme Dev Root CA", country: "SE", state: "Skåne län", organization: "Acme IoT AB" };
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

/** OIDs of the extensions, in the order the profiles put them. */
const EXT = {
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  crlDistributionPoints: "2.5.29.31",
} as const;

const SIGNATURE_ALGORITHM_TEXT: Record<CertificateAuthorityKeyAlgorithm, string> = {
  "RSA-2048": "sha256WithRSAEncryption",
  "RSA-3072": "sha256WithRSAEncryption",
  "RSA-4096": "sha256WithRSAEncryption",
  "EC-P256": "ecdsa-with-SHA256",
  "EC-P384": "ecdsa-with-SHA384",
};

const authorityOf = (
  certificate: X509Certificate,
  privateKey: CryptoKey,
  algorithm: CertificateAuthorityKeyAlgorithm,
  kind: "root" | "intermediate",
  chainPem = certificatePem(certificate),
): SigningAuthority => ({
  name: kind,
  kind,
  certificate: new X509Certificate(certificatePem(certificate)),
  signer: new SoftwareSigner(privateKey, algorithm),
  chainPem,
});

async function makeRoot(algorithm: CertificateAuthorityKeyAlgorithm, validityDays = 3650) {
  const rootKeys = await keyOf(algorithm);
  const params: CertificateBuildParams = {
    kind: "root",
    subject: ROOT_SUBJECT,
    subjectPublicKey: rootKeys.publicKey,
    subjectKeyAlgorithm: algorithm,
    validity: validityPeriod({ now: new Date(), validityDays }),
    serialNumber: "4a5b6c7d8e9f00112233445566778899",
  };
  const certificate = await buildCertificate(params, {
    selfSigner: new SoftwareSigner(rootKeys.privateKey, algorithm),
  });
  return { params, certificate, authority: authorityOf(certificate, rootKeys.privateKey, algorithm, "root") };
}

/** The encoded bytes of a certificate's issuer or subject Name, exactly as its DER holds them. */
function nameBytes(certificate: X509Certificate, which: "issuer" | "subject"): string {
  const [tbs] = derChildren(readDer(new Uint8Array(certificate.rawData)));
  const fields = derChildren(tbs as ReturnType<typeof readDer>);
  const name = fields[which === "issuer" ? 3 : 5] as ReturnType<typeof readDer>;
  return Buffer.from(name.encoded).toString("hex");
}

/** SHA-1 of the subjectPublicKey bits: RFC 5280 §4.2.1.2 method 1. */
function keyIdentifierOf(certificate: X509Certificate): string {
  return createHash("sha1")
    .update(parseCertificateDer(certificatePem(certificate)).subjectPublicKeyBits)
    .digest("hex");
}

/** Everything a user checks of a certificate of `kind` issued by `issuer` (or self-signed). */
function expectProfile(
  certificate: X509Certificate,
  params: CertificateBuildParams,
  issuer: X509Certificate | undefined,
  label: string,
): void {
  const parsed = new X509Certificate(certificatePem(certificate));
  const der = parseCertificateDer(certificatePem(certificate));
  expect(der.version, label).toBe(3);
  if (params.serialNumber) expect(parsed.serialNumber, label).toBe(params.serialNumber);
  expect(parsed.subjectName.getField("CN"), label).toEqual([params.subject.commonName]);
  expect(parsed.subjectName.getField("O"), label).toEqual(
    params.subject.organization ? [params.subject.organization] : [],
  );
  // The issuer name is the issuer certificate's subject, byte for byte (path building compares them).
  expect(nameBytes(certificate, "issuer"), label).toBe(nameBytes(issuer ?? certificate, "subject"));
  expect(parsed.notBefore.getTime(), label).toBe(Math.floor(params.validity.notBefore.getTime() / 1000) * 1000);
  expect(parsed.notAfter.getTime(), label).toBe(Math.floor(params.validity.notAfter.getTime() / 1000) * 1000);

  const kind: CertificateKind = params.kind;
  const isCa = kind === "root" || kind === "intermediate";
  const hasNames = !isCa && (params.subjectAltNames?.length ?? 0) > 0;
  const expectedOrder = [
    EXT.basicConstraints,
    EXT.keyUsage,
    ...(isCa ? [] : [EXT.extKeyUsage]),
    ...(hasNames ? [EXT.subjectAltName] : []),
    EXT.subjectKeyIdentifier,
    ...(issuer ? [EXT.authorityKeyIdentifier] : []),
    ...(issuer && params.crlDistributionPoint ? [EXT.crlDistributionPoints] : []),
  ];
  expect(
    parsed.extensions.map((extension) => extension.type),
    label,
  ).toEqual(expectedOrder);

  const basic = parsed.getExtension(BasicConstraintsExtension);
  expect([basic?.critical, basic?.ca, basic?.pathLength], label).toEqual([
    true,
    isCa,
    kind === "intermediate" ? 0 : undefined,
  ]);
  const usage = parsed.getExtension(KeyUsagesExtension);
  const leafUsage = params.subjectKeyAlgorithm.startsWith("RSA")
    ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
    : KeyUsageFlags.digitalSignature;
  expect([usage?.critical, usage?.usages], label).toEqual([
    true,
    isCa ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : leafUsage,
  ]);
  if (!isCa) {
    const purposes = parsed.getExtension(ExtendedKeyUsageExtension);
    expect([purposes?.critical, purposes?.usages], label).toEqual([
      false,
      [kind === "server" ? ExtendedKeyUsage.serverAuth : ExtendedKeyUsage.clientAuth],
    ]);
  }
  if (hasNames) {
    const names = parsed.getExtension(SubjectAlternativeNameExtension);
    expect(names?.critical, label).toBe(false);
    // The names as the library encodes them from the request.
    expect(Buffer.from(names?.value ?? new ArrayBuffer(0)).toString("hex"), label).toBe(
      Buffer.from(new SubjectAlternativeNameExtension(params.subjectAltNames ?? []).value).toString("hex"),
    );
  }
  const ski = parsed.getExtension(SubjectKeyIdentifierExtension);
  expect([ski?.critical, ski?.keyId], label).toEqual([false, keyIdentifierOf(parsed)]);
  if (issuer) {
    const aki = parsed.getExtension(AuthorityKeyIdentifierExtension);
    expect([aki?.critical, aki?.keyId], label).toEqual([
      false,
      issuer.getExtension(SubjectKeyIdentifierExtension)?.keyId,
    ]);
  }
  if (issuer && params.crlDistributionPoint) {
    const points = parsed.getExtension(CRLDistributionPointsExtension);
    expect(points?.critical, label).toBe(false);
    expect(
      points?.distributionPoints.flatMap((point) =>
        (point.distributionPoint?.fullName ?? []).map((name) => name.uniformResourceIdentifier),
      ),
      label,
    ).toEqual([params.crlDistributionPoint]);
  }
}

describe("buildCertificate: the profile, parsed back", () => {
  it.each(CA_KEY_ALGORITHMS)("self-signed %s root: a CA, signed by its own key", async (algorithm) => {
    const { params, certificate } = await makeRoot(algorithm);
    expectProfile(certificate, params, undefined, algorithm);
    expect(certificate.issuer).toBe("C=SE, ST=Skåne län, O=Acme IoT AB, CN=Acme Dev Root CA");
    expect(await certificate.isSelfSigned()).toBe(true);
    expect(opensslText(certificatePem(certificate))).toContain(
      `Signature Algorithm: ${SIGNATURE_ALGORITHM_TEXT[algorithm]}`,
    );
  });

  it("refuses to self-sign with a key of another algorithm than the subject's", async () => {
    const rsa = await keyOf("RSA-2048");
    const ec = await keyOf("EC-P256");
    await expect(
      buildCertificate(
        {
          kind: "root",
          subject: ROOT_SUBJECT,
          subjectPublicKey: ec.publicKey,
          subjectKeyAlgorithm: "EC-P256",
          validity: validityPeriod({ now: new Date(), validityDays: 1 }),
        },
        { selfSigner: new SoftwareSigner(rsa.privateKey, "RSA-2048") },
      ),
    ).rejects.toThrow(/signed by its own EC-P256 key/);
  });

  for (const issuerAlgorithm of ["RSA-2048", "EC-P256", "EC-P384"] as const) {
    describe(`signed by a ${issuerAlgorithm} CA`, () => {
      it.each(KEY_ALGORITHMS)("every profile with a %s subject key", async (subjectAlgorithm) => {
        const root = await makeRoot(issuerAlgorithm);
        const subjectKeys = await keyOf(subjectAlgorithm);
        const cases: Partial<CertificateBuildParams>[] = [
          { kind: "intermediate" },
          { kind: "intermediate", crlDistributionPoint: CRL_URL },
          { kind: "server", subjectAltNames: SERVER_NAMES },
          { kind: "server", subjectAltNames: [{ type: "dns", value: "a.example.com" }], crlDistributionPoint: CRL_URL },
          { kind: "device" },
          { kind: "device", subjectAltNames: DEVICE_NAMES, crlDistributionPoint: CRL_URL },
        ];
        for (const [index, variant] of cases.entries()) {
          const params: CertificateBuildParams = {
            kind: "device",
            subject:
              index % 2 === 0
                ? { commonName: `leaf-${index}.example.com` }
                : { ...ROOT_SUBJECT, commonName: `Ünïcode ${index}` },
            subjectPublicKey: subjectKeys.publicKey,
            subjectKeyAlgorithm: subjectAlgorithm,
            validity: validityPeriod({ now: new Date(), validityDays: 365 }),
            serialNumber: index % 2 === 0 ? "0102030405060708090a0b0c0d0e0f10" : "ff02030405060708090a0b0c0d0e0f10",
            ...variant,
          };
          const certificate = await buildCertificate(params, { issuer: root.authority });
          const label = `${issuerAlgorithm} → ${subjectAlgorithm} ${JSON.stringify(variant)}`;
          expectProfile(certificate, params, root.authority.certificate, label);
          expect(
            await certificate.verify({ publicKey: root.authority.certificate.publicKey, signatureOnly: true }),
            label,
          ).toBe(true);
        }
      });
    });
  }
});

describe("buildCertificate: RFC 5280 encodings", () => {
  it("writes UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds", async () => {
    const root = await makeRoot("EC-P256", 9125);
    const leafKeys = await keyOf("EC-P256");
    const certificate = await buildCertificate(
      {
        kind: "device",
        subject: { commonName: "thermostat-42" },
        subjectPublicKey: leafKeys.publicKey,
        subjectKeyAlgorithm: "EC-P256",
        validity: { notBefore: new Date("2049-12-31T23:59:59.750Z"), notAfter: new Date("2050-01-01T00:00:00.250Z") },
      },
      { issuer: root.authority },
    );
    const der = parseCertificateDer(certificatePem(certificate));
    expect(der.notBefore).toEqual({ tag: DER_TAG.utcTime, text: "491231235959Z" });
    expect(der.notAfter).toEqual({ tag: DER_TAG.generalizedTime, text: "20500101000000Z" });
    expect(opensslText(certificatePem(certificate))).toMatch(/Not After : Jan {2}1 00:00:00 2050 GMT/);
  });

  it("keeps serial numbers positive: a high first octet gets a 00 octet before it", async () => {
    const root = await makeRoot("EC-P256");
    const leafKeys = await keyOf("EC-P256");
    const build = (serialNumber: string) =>
      buildCertificate(
        {
          kind: "device",
          subject: { commonName: "d" },
          subjectPublicKey: leafKeys.publicKey,
          subjectKeyAlgorithm: "EC-P256",
          validity: validityPeriod({ now: new Date(), validityDays: 1 }),
          serialNumber,
        },
        { issuer: root.authority },
      );
    const high = await build("ff02030405060708090a0b0c0d0e0f10");
    expect(Buffer.from(parseCertificateDer(certificatePem(high)).serialOctets).toString("hex")).toBe(
      "00ff02030405060708090a0b0c0d0e0f10",
    );
    expect(high.serialNumber).toBe("ff02030405060708090a0b0c0d0e0f10");
    expect(opensslText(certificatePem(high))).not.toMatch(/\(Negative\)/);
    await expect(build("00")).rejects.toThrow(/positive/);
  });

  it("takes a random serial (16 octets, positive) when none is given", async () => {
    const root = await makeRoot("EC-P256");
    const leafKeys = await keyOf("EC-P256");
    const serials = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const certificate = await buildCertificate(
        {
          kind: "device",
          subject: { commonName: `d-${i}` },
          subjectPublicKey: leafKeys.publicKey,
          subjectKeyAlgorithm: "EC-P256",
          validity: validityPeriod({ now: new Date(), validityDays: 1 }),
        },
        { issuer: root.authority },
      );
      expect(certificate.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
      serials.add(certificate.serialNumber);
    }
    expect(serials.size).toBe(20);
  });

  it.each(["EC-P256", "EC-P384"] as const)(
    "%s issuer: the signature is a DER ECDSA-Sig-Value over the TBSCertificate",
    async (algorithm) => {
      const root = await makeRoot(algorithm);
      const asn = AsnConvert.parse(root.certificate.rawData, Certificate);
      const signature = new Uint8Array(asn.signatureValue);
      expect(signature[0]).toBe(0x30);
      const issuerKey = KeyObject.from((await keyOf(algorithm)).publicKey);
      const digest = algorithm === "EC-P256" ? "sha256" : "sha384";
      const tbs = new Uint8Array(asn.tbsCertificateRaw as ArrayBuffer);
      expect(verify(digest, tbs, { key: issuerKey, dsaEncoding: "der" }, signature)).toBe(true);
    },
  );
});

/** A Signer that records what it was asked to sign and what it answered, around another Signer. */
class RecordingSigner implements Signer {
  readonly calls: { data: Uint8Array; signature: Uint8Array }[] = [];
  constructor(private readonly inner: Signer) {}
  get keyAlgorithm() {
    return this.inner.keyAlgorithm;
  }
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const signature = await this.inner.sign(data);
    this.calls.push({ data: Uint8Array.from(data), signature });
    return signature;
  }
}

describe("buildCertificate signs through the Signer only", () => {
  it.each(["RSA-2048", "EC-P256"] as const)(
    "%s: one signature per certificate, over its TBSCertificate, and that is the signature it carries",
    async (algorithm) => {
      const caKeys = await keyOf(algorithm);
      const rootSigner = new RecordingSigner(new SoftwareSigner(caKeys.privateKey, algorithm));
      const root = await buildCertificate(
        {
          kind: "root",
          subject: ROOT_SUBJECT,
          subjectPublicKey: caKeys.publicKey,
          subjectKeyAlgorithm: algorithm,
          validity: validityPeriod({ now: new Date(), validityDays: 30 }),
        },
        { selfSigner: rootSigner },
      );
      const issuer: SigningAuthority = {
        name: "root",
        kind: "root",
        certificate: root,
        signer: rootSigner,
        chainPem: certificatePem(root),
      };
      const leafKeys = await keyOf("EC-P256");
      const leaves: X509Certificate[] = [];
      for (let i = 0; i < 3; i++) {
        leaves.push(
          await buildCertificate(
            {
              kind: "device",
              subject: { commonName: `device-${i}` },
              subjectPublicKey: leafKeys.publicKey,
              subjectKeyAlgorithm: "EC-P256",
              validity: validityPeriod({ now: new Date(), validityDays: 1 }),
            },
            { issuer },
          ),
        );
      }
      const certificates = [root, ...leaves];
      expect(rootSigner.calls).toHaveLength(certificates.length);
      for (const [index, certificate] of certificates.entries()) {
        const asn = AsnConvert.parse(certificate.rawData, Certificate);
        const call = rootSigner.calls[index] as { data: Uint8Array; signature: Uint8Array };
        expect(Buffer.from(call.data)).toEqual(Buffer.from(asn.tbsCertificateRaw as ArrayBuffer));
        expect(Buffer.from(call.signature)).toEqual(Buffer.from(asn.signatureValue));
      }
    },
  );

  it("carries whatever the Signer answers (no other signature is made)", async () => {
    const leafKeys = await keyOf("EC-P256");
    const answer = Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
    let calls = 0;
    const fixed: Signer = {
      keyAlgorithm: "EC-P256",
      sign: async () => {
        calls += 1;
        return answer;
      },
    };
    const certificate = await buildCertificate(
      {
        kind: "root",
        subject: { commonName: "signed by a stub" },
        subjectPublicKey: leafKeys.publicKey,
        subjectKeyAlgorithm: "EC-P256",
        validity: validityPeriod({ now: new Date(), validityDays: 1 }),
      },
      { selfSigner: fixed },
    );
    expect(calls).toBe(1);
    expect(Buffer.from(AsnConvert.parse(certificate.rawData, Certificate).signatureValue)).toEqual(Buffer.from(answer));
    expect(await certificate.verify({ signatureOnly: true })).toBe(false);
  });
});

describe("what openssl makes of them", () => {
  it.each(["RSA-2048", "EC-P256"] as const)(
    "openssl x509 -text shows the server and device profiles (%s issuer)",
    async (issuerAlgorithm) => {
      const root = await makeRoot(issuerAlgorithm);
      for (const subjectAlgorithm of ["RSA-2048", "EC-P384", "Ed25519"] as const) {
        const subjectKeys = await keyOf(subjectAlgorithm);
        const device = subjectAlgorithm === "Ed25519";
        const certificate = await buildCertificate(
          {
            kind: device ? "device" : "server",
            subject: { commonName: device ? "thermostat-42" : "broker.dev.example.com", organization: "Acme IoT" },
            subjectPublicKey: subjectKeys.publicKey,
            subjectKeyAlgorithm: subjectAlgorithm,
            validity: validityPeriod({ now: new Date(), validityDays: 365 }),
            subjectAltNames: device ? DEVICE_NAMES : SERVER_NAMES,
            crlDistributionPoint: CRL_URL,
            serialNumber: "5a5b6c7d8e9f00112233445566778899",
          },
          { issuer: root.authority },
        );
        const text = opensslText(certificatePem(certificate));
        const label = `${issuerAlgorithm} → ${subjectAlgorithm}`;
        expect(text, label).toContain("Version: 3 (0x2)");
        expect(text, label).toMatch(/Serial Number:\s*\n\s*5a:5b:6c:7d:8e:9f:00:11:22:33:44:55:66:77:88:99/);
        expect(text, label).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM_TEXT[issuerAlgorithm]}`);
        expect(text, label).toMatch(/Issuer: C = SE, ST = .*, O = Acme IoT AB, CN = Acme Dev Root CA\n/);
        expect(text, label).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
        expect(text, label).toMatch(
          subjectAlgorithm === "RSA-2048"
            ? /X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\n/
            : /X509v3 Key Usage: critical\s*\n\s*Digital Signature\n/,
        );
        expect(text, label).toMatch(
          device
            ? /X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication\n/
            : /X509v3 Extended Key Usage:\s*\n\s*TLS Web Server Authentication\n/,
        );
        expect(text, label).toContain(
          device
            ? "URI:urn:dev:mac:0024befffe804ff1, URI:spiffe://dev.example.com/device/thermostat-42, DNS:thermostat-42.devices.example.com"
            : "DNS:broker.dev.example.com, DNS:*.brokers.dev.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:FF00:42:8329, IP Address:0:0:0:0:0:0:0:1",
        );
        expect(text, label).toContain("X509v3 Subject Key Identifier");
        expect(text, label).toContain("X509v3 Authority Key Identifier");
        expect(text, label).toMatch(
          /X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:https:\/\/pki\.dev\.example\.com\/crl\/intermediate\/devices/,
        );
      }
    },
  );

  it.each(CA_KEY_ALGORITHMS)(
    "openssl verify -x509_strict accepts a %s root → intermediate → server and device chain",
    async (algorithm) => {
      const root = await makeRoot(algorithm);
      const intermediateAlgorithm = algorithm === "EC-P384" ? "EC-P256" : "EC-P384";
      const intermediateKeys = await keyOf(intermediateAlgorithm);
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
      const authority = authorityOf(
        intermediate,
        intermediateKeys.privateKey,
        intermediateAlgorithm,
        "intermediate",
        certificatePem(intermediate) + root.authority.chainPem,
      );
      for (const [kind, purpose, names] of [
        ["server", "sslserver", SERVER_NAMES],
        ["device", "sslclient", DEVICE_NAMES],
      ] as const) {
        for (const leafAlgorithm of KEY_ALGORITHMS) {
          if (kind === "server" && leafAlgorithm === "Ed25519") continue;
          const leafKeys = await keyOf(leafAlgorithm);
          const leaf = await buildCertificate(
            {
              kind,
              subject: { commonName: kind === "server" ? "broker.dev.example.com" : "thermostat-42" },
              subjectPublicKey: leafKeys.publicKey,
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
  it("is a plain X509Certificate, equal to the one its PEM parses to", async () => {
    const { certificate } = await makeRoot("EC-P256");
    expect(Object.getPrototypeOf(certificate)).toBe(X509Certificate.prototype);
    const parsed = new X509Certificate(certificatePem(certificate));
    expect(certificate.equal(parsed)).toBe(true);
    expect(certificate.subject).toBe(parsed.subject);
    expect(certificate.serialNumber).toBe(parsed.serialNumber);
    expect(certificate.notAfter.toISOString()).toBe(parsed.notAfter.toISOString());
    expect(certificate.getExtension(BasicConstraintsExtension)?.ca).toBe(true);
    expect(certificatePem(certificate)).toBe(`${parsed.toString("pem").trim()}\n`);
  });

  it("has the PEM format of the library and OpenSSL: 64-character lines, one trailing newline", async () => {
    const { certificate } = await makeRoot("RSA-2048");
    const pem = certificatePem(certificate);
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(pem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
  });
});
