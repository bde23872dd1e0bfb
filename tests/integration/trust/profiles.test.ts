/**
 * The certificate profiles, read back from issued certificates three ways:
 * with @peculiar/x509 (through src/core/x509.ts), with `openssl x509 -text`,
 * and byte by byte from the DER (serial number octets, string and time
 * types, the key bits the Subject Key Identifier hashes).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/core/errors.js";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import type { KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { randomSerialNumber } from "../../../src/core/serial-number.js";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from "../../../src/core/x509.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { type LocalApi, startLocalApi } from "../../support/local-api.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import { DER_TAG, OID, parseCertificateDer } from "../../support/trust/der.js";
import { intermediateOf } from "../../support/trust/pki.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const CLOCK_SKEW = 5 * MINUTE;

const EXTENSION_OID = {
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extendedKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
} as const;

const parse = (issued: IssuedCertificate) => new X509Certificate(issued.record.certificate);
const skiOf = (certificate: X509Certificate) => certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId;
/** `AB:CD:…` as `openssl x509 -text` prints a key identifier. */
const opensslHex = (hex: string) => hex.toUpperCase().match(/../g)?.join(":") ?? "";

describe("certificate profiles", () => {
  let pki: TestHierarchy;
  let issuedFrom: number;
  let issuedUntil: number;
  let rsaServer: IssuedCertificate;
  let ecServer: IssuedCertificate;
  let rsaDevice: IssuedCertificate;
  let ed25519Device: IssuedCertificate;
  let ecDevice: IssuedCertificate;

  beforeAll(async () => {
    issuedFrom = Date.now();
    // EC intermediates under an RSA root: mixed algorithms in one chain.
    pki = await createTestHierarchy({ rootKeyAlgorithm: "RSA-2048", intermediateKeyAlgorithm: "EC-P256" });
    [rsaServer, ecServer, rsaDevice, ed25519Device, ecDevice] = await Promise.all([
      pki.issueServer({
        fqdn: "broker.dev.example.com",
        keyAlgorithm: "RSA-2048",
        country: "SE",
        organization: "Acme IoT",
        subjectAltNames: [
          { type: "dns", value: "broker.dev.example.com" },
          { type: "dns", value: "*.brokers.dev.example.com" },
          { type: "ip", value: "127.0.0.1" },
          { type: "ip", value: "::1" },
        ],
      }),
      pki.issueServer({ fqdn: "ec.dev.example.com", keyAlgorithm: "EC-P256" }),
      pki.issueDevice({
        deviceId: "thermostat-42",
        keyAlgorithm: "RSA-2048",
        subjectAltNames: [
          { type: "url", value: "urn:dev:mac:0024befffe804ff1" },
          { type: "url", value: "spiffe://dev.example.com/device/thermostat-42" },
          { type: "dns", value: "thermostat-42.devices.example.com" },
        ],
      }),
      pki.issueDevice({ deviceId: "sensor-ed25519", keyAlgorithm: "Ed25519" }),
      pki.issueDevice({ deviceId: "sensor-p384", keyAlgorithm: "EC-P384" }),
    ]);
    issuedUntil = Date.now();
  });

  afterAll(() => pki?.remove());

  /** Every certificate of the hierarchy with its issuer (undefined for the root). */
  const everyCertificate = (): [string, IssuedCertificate, IssuedCertificate | undefined][] => [
    ["root", pki.root, undefined],
    ["servers intermediate", pki.servers, pki.root],
    ["devices intermediate", pki.devices, pki.root],
    ["RSA server", rsaServer, pki.servers],
    ["EC server", ecServer, pki.servers],
    ["RSA device", rsaDevice, pki.devices],
    ["Ed25519 device", ed25519Device, pki.devices],
    ["EC-P384 device", ecDevice, pki.devices],
  ];

  describe("all certificates", () => {
    it("are X.509 v3 with exactly the extensions of their profile", () => {
      const expected: Record<string, string[]> = {
        root: ["basicConstraints", "keyUsage", "subjectKeyIdentifier"],
        intermediate: ["basicConstraints", "keyUsage", "subjectKeyIdentifier", "authorityKeyIdentifier"],
        leaf: [
          "basicConstraints",
          "keyUsage",
          "extendedKeyUsage",
          "subjectAltName",
          "subjectKeyIdentifier",
          "authorityKeyIdentifier",
        ],
      };
      for (const [label, issued] of everyCertificate()) {
        expect(parseCertificateDer(issued.record.certificate).version, label).toBe(3);
        const kind =
          issued.record.kind === "root" || issued.record.kind === "intermediate" ? issued.record.kind : "leaf";
        const names = (expected[kind] ?? []).filter(
          (name) => !(name === "subjectAltName" && (issued === ed25519Device || issued === ecDevice)),
        );
        const oids = parse(issued).extensions.map((extension) => extension.type);
        expect(oids.sort(), label).toEqual(
          names.map((name) => EXTENSION_OID[name as keyof typeof EXTENSION_OID]).sort(),
        );
      }
    });

    it("carry a Subject Key Identifier: the SHA-1 of the subject public key (RFC 5280 §4.2.1.2 method 1)", () => {
      for (const [label, issued] of everyCertificate()) {
        const certificate = parse(issued);
        const ski = certificate.getExtension(SubjectKeyIdentifierExtension);
        expect(ski, label).toBeTruthy();
        expect(ski?.critical, label).toBe(false);
        const keyBits = parseCertificateDer(issued.record.certificate).subjectPublicKeyBits;
        expect(ski?.keyId, label).toBe(createHash("sha1").update(keyBits).digest("hex"));
        expect(opensslText(issued.record.certificate), label).toMatch(
          new RegExp(`X509v3 Subject Key Identifier: \\n\\s+${opensslHex(ski?.keyId ?? "")}\\n`),
        );
      }
      const identifiers = everyCertificate().map(([, issued]) => skiOf(parse(issued)));
      expect(new Set(identifiers).size).toBe(identifiers.length);
    });

    it("carry an Authority Key Identifier equal to the issuer's SKI on every certificate signed by another", () => {
      for (const [label, issued, issuer] of everyCertificate()) {
        const aki = parse(issued).getExtension(AuthorityKeyIdentifierExtension);
        if (!issuer) {
          // Self-signed root: an AKI is optional (RFC 5280 §4.2.1.1); if present it must name itself.
          if (aki) expect(aki.keyId).toBe(skiOf(parse(issued)));
          continue;
        }
        expect(aki, label).toBeTruthy();
        expect(aki?.critical, label).toBe(false);
        expect(aki?.keyId, label).toBe(skiOf(parse(issuer)));
        expect(aki?.certId, label).toBeUndefined();
        expect(opensslText(issued.record.certificate), label).toMatch(
          new RegExp(`X509v3 Authority Key Identifier: \\n\\s+(keyid:)?${opensslHex(aki?.keyId ?? "")}\\n`),
        );
        // Name chaining: the issuer field is the issuer's subject, attribute for attribute.
        expect(parseCertificateDer(issued.record.certificate).issuer, label).toEqual(
          parseCertificateDer(issuer.record.certificate).subject,
        );
      }
    });

    it("have a positive serial number of at most 20 octets with room for ≥64 random bits, minimally encoded", () => {
      const serials = new Set<string>();
      for (const [label, issued] of everyCertificate()) {
        const octets = parseCertificateDer(issued.record.certificate).serialOctets;
        expect(octets.length, label).toBeLessThanOrEqual(20);
        // A positive INTEGER carrying 64 random bits needs at least 9 octets.
        expect(octets.length, label).toBeGreaterThanOrEqual(9);
        expect(octets[0] ?? 0x80, `${label}: sign bit`).toBeLessThan(0x80);
        if (octets[0] === 0)
          expect(octets[1] ?? 0, `${label}: no superfluous leading zero`).toBeGreaterThanOrEqual(0x80);
        expect(
          octets.some((octet) => octet !== 0),
          label,
        ).toBe(true);
        const hex = Buffer.from(octets).toString("hex");
        expect(issued.record.serial_number, label).toBe(hex.replace(/^00/, ""));
        serials.add(hex);
      }
      expect(serials.size).toBe(everyCertificate().length);
    });

    it("have serial numbers that look random: any two issued ones differ in many bits", () => {
      const bits = everyCertificate().map(([, issued]) =>
        BigInt(`0x${Buffer.from(parseCertificateDer(issued.record.certificate).serialOctets).toString("hex")}`),
      );
      for (let i = 0; i < bits.length; i++) {
        for (let j = i + 1; j < bits.length; j++) {
          const distance = ((bits[i] as bigint) ^ (bits[j] as bigint)).toString(2).replaceAll("0", "").length;
          // 126 random bits differ in 63 ± 5.6 positions; a counter or a timestamp would differ in a few.
          expect(distance).toBeGreaterThan(20);
        }
      }
    });

    it("draw serial numbers from at least 64 independent random bits (2,000 draws of the generator)", () => {
      const draws = Array.from({ length: 2000 }, () => Buffer.from(randomSerialNumber(), "hex"));
      const length = draws[0]?.length ?? 0;
      let randomBits = 0;
      for (let bit = 0; bit < length * 8; bit++) {
        const ones = draws.filter((octets) => ((octets[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1).length;
        // A fair bit is set in 1,000 ± 22 of 2,000 draws; count only bits well inside that.
        if (ones > 800 && ones < 1200) randomBits++;
      }
      expect(randomBits).toBeGreaterThanOrEqual(64);
      expect(new Set(draws.map((octets) => octets.toString("hex"))).size).toBe(draws.length);
    });

    it("are backdated by 5 minutes, end after exactly the requested days, and encode dates as UTCTime", () => {
      const defaultDays: Record<string, number> = { root: 3650, intermediate: 1825, server: 365, device: 365 };
      const earliest = Math.floor(issuedFrom / 1000) * 1000 - CLOCK_SKEW;
      for (const [label, issued] of everyCertificate()) {
        const { notBefore, notAfter } = parse(issued);
        expect(notBefore.getTime(), label).toBeGreaterThanOrEqual(earliest);
        expect(notBefore.getTime(), label).toBeLessThanOrEqual(issuedUntil - CLOCK_SKEW);
        expect(notAfter.getTime() - notBefore.getTime(), label).toBe(
          (defaultDays[issued.record.kind] ?? 0) * DAY + CLOCK_SKEW,
        );
        expect(issued.record.not_before, label).toBe(notBefore.toISOString());
        expect(issued.record.not_after, label).toBe(notAfter.toISOString());
        const der = parseCertificateDer(issued.record.certificate);
        // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
        expect(der.notBefore.tag, label).toBe(DER_TAG.utcTime);
        expect(der.notAfter.tag, label).toBe(
          notAfter.getUTCFullYear() < 2050 ? DER_TAG.utcTime : DER_TAG.generalizedTime,
        );
      }
    });

    it("encode the country as a two-letter PrintableString and keep the subject in C, ST, O, CN order", () => {
      for (const issued of [pki.root, rsaServer]) {
        const subject = parseCertificateDer(issued.record.certificate).subject;
        const country = subject.find((attribute) => attribute.oid === OID.countryName);
        expect(country).toEqual({ oid: OID.countryName, tag: DER_TAG.printableString, value: "SE" });
        expect(subject.map((attribute) => attribute.oid)).toEqual([
          OID.countryName,
          OID.organizationName,
          OID.commonName,
        ]);
      }
      expect(opensslText(pki.root.record.certificate)).toContain("Subject: C = SE, O = Test PKI, CN = default Root CA");
    });
  });

  describe("root", () => {
    it("basicConstraints CA (critical, no path length); keyUsage keyCertSign + cRLSign (critical); self-signed", () => {
      const root = parse(pki.root);
      const basic = root.getExtension(BasicConstraintsExtension);
      expect(basic).toMatchObject({ critical: true, ca: true });
      expect(basic?.pathLength).toBeUndefined();
      const usage = root.getExtension(KeyUsagesExtension);
      expect(usage).toMatchObject({ critical: true, usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign });
      expect(root.subject).toBe(root.issuer);
      const text = opensslText(pki.root.record.certificate);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    });
  });

  describe("intermediate", () => {
    it("basicConstraints CA pathLen 0 (critical); keyUsage keyCertSign + cRLSign (critical)", () => {
      for (const issued of [pki.servers, pki.devices]) {
        const intermediate = parse(issued);
        expect(intermediate.getExtension(BasicConstraintsExtension)).toMatchObject({
          critical: true,
          ca: true,
          pathLength: 0,
        });
        expect(intermediate.getExtension(KeyUsagesExtension)).toMatchObject({
          critical: true,
          usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign,
        });
        const text = opensslText(issued.record.certificate);
        expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
        expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
      }
    });

    it("an EC intermediate under an RSA root: EC key, RSA signature, verifies against the root", async () => {
      const text = opensslText(pki.servers.record.certificate);
      expect(text).toMatch(/Public Key Algorithm: id-ecPublicKey[\s\S]+NIST CURVE: P-256/);
      expect(text).toContain("Signature Algorithm: sha256WithRSAEncryption");
      expect(await parse(pki.servers).verify({ publicKey: parse(pki.root).publicKey, signatureOnly: true })).toBe(true);
      const verdict = opensslVerify({
        trusted: pki.root.record.certificate,
        certificate: pki.servers.record.certificate,
      });
      expect(verdict.output).toContain("OK");
      expect(verdict.ok).toBe(true);
    });

    it("its chain file holds the intermediate then the root", () => {
      expect(pki.servers.record.certificate_chain).toBe(pki.servers.record.certificate + pki.root.record.certificate);
    });
  });

  describe.each([
    ["server", () => rsaServer, () => ecServer, ExtendedKeyUsage.serverAuth, "TLS Web Server Authentication"],
    ["device", () => rsaDevice, () => ecDevice, ExtendedKeyUsage.clientAuth, "TLS Web Client Authentication"],
  ] as const)("%s", (kind, rsaLeaf, ecLeaf, purpose, purposeText) => {
    it("basicConstraints CA:false (critical)", () => {
      for (const leaf of [rsaLeaf(), ecLeaf()]) {
        const basic = parse(leaf).getExtension(BasicConstraintsExtension);
        expect(basic).toMatchObject({ critical: true, ca: false });
        expect(basic?.pathLength).toBeUndefined();
        expect(opensslText(leaf.record.certificate)).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      }
    });

    it("keyUsage digitalSignature + keyEncipherment for RSA, digitalSignature alone otherwise (critical)", () => {
      expect(parse(rsaLeaf()).getExtension(KeyUsagesExtension)).toMatchObject({
        critical: true,
        usages: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment,
      });
      expect(opensslText(rsaLeaf().record.certificate)).toMatch(
        /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/,
      );
      expect(parse(ecLeaf()).getExtension(KeyUsagesExtension)).toMatchObject({
        critical: true,
        usages: KeyUsageFlags.digitalSignature,
      });
      expect(opensslText(ecLeaf().record.certificate)).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    });

    it(`extKeyUsage is ${kind === "server" ? "serverAuth" : "clientAuth"} only`, () => {
      for (const leaf of [rsaLeaf(), ecLeaf()]) {
        expect(parse(leaf).getExtension(ExtendedKeyUsageExtension)?.usages).toEqual([purpose]);
        expect(opensslText(leaf.record.certificate)).toMatch(
          new RegExp(`X509v3 Extended Key Usage: \\n\\s+${purposeText}\\n`),
        );
      }
    });

    it("is signed by its intermediate, whose AKI/SKI pair it follows", async () => {
      const issuer = kind === "server" ? pki.servers : pki.devices;
      for (const leaf of [rsaLeaf(), ecLeaf()]) {
        expect(intermediateOf(leaf)).toBe(issuer.record.certificate);
        expect(leaf.record.certificate_chain).toBe(issuer.record.certificate + pki.root.record.certificate);
        expect(await parse(leaf).verify({ publicKey: parse(issuer).publicKey, signatureOnly: true })).toBe(true);
      }
    });
  });

  describe("server SAN", () => {
    it("holds the fqdn first, then the extra DNS names and IP addresses (the fqdn not repeated)", () => {
      const certificate = parse(rsaServer);
      const san = certificate.getExtension(SubjectAlternativeNameExtension);
      expect(san?.critical).toBe(false);
      expect(san?.names.toJSON()).toEqual([
        { type: "dns", value: "broker.dev.example.com" },
        { type: "dns", value: "*.brokers.dev.example.com" },
        { type: "ip", value: "127.0.0.1" },
        { type: "ip", value: "::1" },
      ]);
      expect(certificate.subject).toBe("C=SE, O=Acme IoT, CN=broker.dev.example.com");
      expect(opensslText(rsaServer.record.certificate)).toMatch(
        /X509v3 Subject Alternative Name: \n\s+DNS:broker\.dev\.example\.com, DNS:\*\.brokers\.dev\.example\.com, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1\n/,
      );
    });

    it("holds at least the fqdn when no extra names are asked for", () => {
      expect(parse(ecServer).getExtension(SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
        { type: "dns", value: "ec.dev.example.com" },
      ]);
      expect(parse(ecServer).subject).toBe("CN=ec.dev.example.com");
    });
  });

  describe("device subject and SAN", () => {
    it("has the device id as its CN", () => {
      expect(parse(rsaDevice).subject).toBe("CN=thermostat-42");
      expect(parse(ed25519Device).subject).toBe("CN=sensor-ed25519");
    });

    it("carries the requested URIs and DNS names, and no SAN when none is asked for", () => {
      expect(parse(rsaDevice).getExtension(SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
        { type: "url", value: "urn:dev:mac:0024befffe804ff1" },
        { type: "url", value: "spiffe://dev.example.com/device/thermostat-42" },
        { type: "dns", value: "thermostat-42.devices.example.com" },
      ]);
      expect(opensslText(rsaDevice.record.certificate)).toContain(
        "URI:urn:dev:mac:0024befffe804ff1, URI:spiffe://dev.example.com/device/thermostat-42, DNS:thermostat-42.devices.example.com",
      );
      expect(parse(ecDevice).getExtension(SubjectAlternativeNameExtension)).toBeNull();
    });

    it("an Ed25519 device certificate: Ed25519 key, digitalSignature only, signed by its EC intermediate", () => {
      const text = opensslText(ed25519Device.record.certificate);
      expect(text).toContain("Public Key Algorithm: ED25519");
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
      expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256");
    });
  });

  describe("subject name limits", () => {
    it("accepts a 64-character common name and refuses 65 (RFC 5280 ub-common-name)", async () => {
      const name64 = "R".repeat(64);
      const root = await createRootCertificateAuthority(
        { name: "cn-64", commonName: name64, keyAlgorithm: "EC-P256" },
        pki.repository,
      );
      expect(parse(root).subject).toBe(`CN=${name64}`);
      await expect(
        createRootCertificateAuthority(
          { name: "cn-65", commonName: `${name64}R`, keyAlgorithm: "EC-P256" },
          pki.repository,
        ),
      ).rejects.toThrow(/common name must be 1 to 64 characters/);
      const longHost = `${"a".repeat(60)}.test`;
      expect(longHost).toHaveLength(65);
      await expect(pki.issueServer({ fqdn: longHost, keyAlgorithm: "EC-P256" })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    });

    it.each(["se", "SWE", "S", "1E"])("refuses the country %j", async (country) => {
      await expect(pki.issueDevice({ country, keyAlgorithm: "EC-P256" })).rejects.toThrow(/two-letter ISO 3166/);
    });
  });

  describe("key algorithms", () => {
    it.each(["root", "intermediate", "server"] as const)("refuses Ed25519 for a %s", async (kind) => {
      const keyAlgorithm: KeyAlgorithm = "Ed25519";
      const attempt =
        kind === "root"
          ? createRootCertificateAuthority({ name: "ed-root", keyAlgorithm }, pki.repository)
          : kind === "intermediate"
            ? createIntermediateCertificateAuthority({ name: "ed-int", keyAlgorithm }, pki.repository)
            : pki.issueServer({ fqdn: "ed.example.com", keyAlgorithm });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });

  describe("validity never outlives the issuer", () => {
    it("refuses by default, naming the issuer's notAfter as the latest allowed date", async () => {
      const issuerEnd = pki.devices.record.not_after;
      const refusal = await pki.issueDevice({ keyAlgorithm: "EC-P256", validityDays: 9000 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(InvalidRequestError);
      expect((refusal as InvalidRequestError).field).toBe("validity_days");
      expect((refusal as Error).message).toContain(issuerEnd);
      expect((refusal as Error).message).toContain("the latest allowed date");
      // The suggested maximum really is allowed.
      const days = Number(/at most (\d+) days/.exec((refusal as Error).message)?.[1]);
      const longest = await pki.issueDevice({ keyAlgorithm: "EC-P256", validityDays: days });
      expect(parse(longest).notAfter.getTime()).toBeLessThanOrEqual(Date.parse(issuerEnd));
    });

    it("refuses an intermediate that would outlive its root, naming the root's notAfter", async () => {
      await expect(
        createIntermediateCertificateAuthority(
          { name: "too-long", issuer: "default", validityDays: 4000, keyAlgorithm: "EC-P256" },
          pki.repository,
        ),
      ).rejects.toThrow(pki.root.record.not_after);
      await expect(pki.repository.findAuthority("intermediate", "too-long")).resolves.toBeUndefined();
    });

    it("with validity_behavior truncate, ends exactly when the issuer ends, and still verifies", async () => {
      const device = await pki.issueDevice({
        keyAlgorithm: "EC-P256",
        validityDays: 9000,
        validityBehavior: "truncate",
      });
      expect(parse(device).notAfter.toISOString()).toBe(pki.devices.record.not_after);
      expect(device.record.not_after).toBe(pki.devices.record.not_after);
      const intermediate = await createIntermediateCertificateAuthority(
        {
          name: "truncated",
          issuer: "default",
          validityDays: 9000,
          validityBehavior: "truncate",
          keyAlgorithm: "EC-P256",
        },
        pki.repository,
      );
      expect(parse(intermediate).notAfter.toISOString()).toBe(pki.root.record.not_after);
      const verdict = opensslVerify({
        trusted: pki.root.record.certificate,
        untrusted: intermediateOf(device),
        certificate: device.record.certificate,
        purpose: "sslclient",
      });
      expect(verdict.ok).toBe(true);
    });

    it("uses GeneralizedTime for dates from 2050 on (a 25-year root)", async () => {
      const root = await createRootCertificateAuthority(
        { name: "long-lived", validityDays: 9125, keyAlgorithm: "EC-P256" },
        pki.repository,
      );
      const der = parseCertificateDer(root.record.certificate);
      expect(parse(root).notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
      expect(der.notAfter.tag).toBe(DER_TAG.generalizedTime);
      expect(der.notAfter.text).toMatch(/^\d{14}Z$/);
      expect(der.notBefore.tag).toBe(DER_TAG.utcTime);
    });
  });
});

describe("validity refusal over HTTP", () => {
  let api: LocalApi;
  beforeAll(async () => {
    api = await startLocalApi();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("answers 400 naming the issuer's notAfter, and issues with validity_behavior truncate", async () => {
    const root = await api.post("/certificates/root", { key_algorithm: "EC-P256", validity_days: 30 });
    expect(root.status).toBe(201);
    const refused = await api.post("/certificates/intermediate", {
      name: "devices",
      key_algorithm: "EC-P256",
      validity_days: 60,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 400, field: "validity_days" });
    expect(refused.body.detail).toContain(root.body.not_after);
    const truncated = await api.post("/certificates/intermediate", {
      name: "devices",
      key_algorithm: "EC-P256",
      validity_days: 60,
      validity_behavior: "truncate",
    });
    expect(truncated.status).toBe(201);
    expect(truncated.body.not_after).toBe(root.body.not_after);
  });
});
