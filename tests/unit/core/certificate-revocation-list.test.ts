/**
 * CRLs as `openssl crl` reads them (v2, issuer, dates, CRL Number, AKI,
 * entries and reasons; the signature verifies against the CA), signed once
 * through the CA's Signer.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { buildCertificate, certificatePem, type SigningAuthority } from "../../../src/core/certificate-builder.js";
import { buildCertificateRevocationList, CRL_VALIDITY_MS } from "../../../src/core/certificate-revocation-list.js";
import { type CertificateAuthorityKeyAlgorithm, generateKeyPair } from "../../../src/core/key-algorithms.js";
import { pemDecode } from "../../../src/core/pem.js";
import { type Signer, SoftwareSigner } from "../../../src/core/signer.js";
import { validityPeriod } from "../../../src/core/validity.js";
import { SubjectKeyIdentifierExtension, X509Crl } from "../../../src/core/x509.js";
import { crlText, revokedSerials, verifyCrlSignature } from "../../support/api/openssl-tools.js";

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

async function authority(algorithm: CertificateAuthorityKeyAlgorithm): Promise<SigningAuthority> {
  const keys = await generateKeyPair(algorithm);
  const signer = new SoftwareSigner(keys.privateKey, algorithm);
  const certificate = await buildCertificate(
    {
      kind: "root",
      subject: { commonName: "Acme CRL Test Root", organization: "Acme IoT", country: "SE" },
      subjectPublicKey: keys.publicKey,
      subjectKeyAlgorithm: algorithm,
      validity: validityPeriod({ now: new Date(), validityDays: 30 }),
    },
    { selfSigner: signer },
  );
  return {
    name: "default",
    kind: "root",
    certificate,
    signer: new RecordingSigner(signer),
    chainPem: certificatePem(certificate),
  };
}

const REVOKED = "4a5b6c7d8e9f00112233445566778899";
const SUPERSEDED = "7f0102030405060708090a0b0c0d0e0f";
const NOW = new Date("2026-03-01T12:00:00.750Z");

describe("buildCertificateRevocationList", () => {
  it.each(["EC-P256", "RSA-2048"] as const)("%s CA: a v2 CRL that openssl reads and verifies", async (algorithm) => {
    const issuer = await authority(algorithm);
    const crlNumber = 1_772_366_400_750n;
    const pem = await buildCertificateRevocationList({
      issuer,
      crlNumber,
      now: NOW,
      entries: [
        { serialNumber: REVOKED, revokedAt: new Date("2026-02-28T08:30:00Z"), reason: "keyCompromise" },
        { serialNumber: SUPERSEDED, revokedAt: new Date("2026-02-27T08:30:00Z"), reason: "unspecified" },
      ],
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n$/);
    const der = pemDecode(pem, "X509 CRL");
    const verdict = verifyCrlSignature(der, issuer.chainPem);
    expect(verdict.output).toMatch(/verify OK/);

    const text = crlText(der);
    expect(text).toContain("Version 2 (0x1)");
    expect(text).toContain("Issuer: C = SE, O = Acme IoT, CN = Acme CRL Test Root\n");
    expect(text).toContain("Last Update: Mar  1 12:00:00 2026 GMT");
    expect(text).toContain("Next Update: Mar  8 12:00:00 2026 GMT");
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*1772366400750\n/);
    expect(revokedSerials(text)).toEqual([REVOKED, SUPERSEDED]);
    // RFC 5280 §5.3.1: a reason only when there is one worth stating.
    expect(text).toMatch(
      new RegExp(`${REVOKED.toUpperCase()}[\\s\\S]*?X509v3 CRL Reason Code:\\s*\\n\\s*Key Compromise`, "i"),
    );
    expect(text.match(/CRL Reason Code/g)).toHaveLength(1);

    const crl = new X509Crl(pem);
    expect(crl.nextUpdate?.getTime()).toBe(crl.thisUpdate.getTime() + CRL_VALIDITY_MS);
    expect(crl.getExtension("2.5.29.35")?.value).toBeDefined();
    const aki = text.match(/X509v3 Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/)?.[1]?.replaceAll(":", "");
    expect(aki?.toLowerCase()).toBe(issuer.certificate.getExtension(SubjectKeyIdentifierExtension)?.keyId);
  });

  it("lists no revokedCertificates at all when nothing is revoked", async () => {
    const issuer = await authority("EC-P256");
    const pem = await buildCertificateRevocationList({ issuer, crlNumber: 1n, now: NOW, entries: [] });
    const der = pemDecode(pem, "X509 CRL");
    expect(verifyCrlSignature(der, issuer.chainPem).ok).toBe(true);
    expect(crlText(der)).toContain("No Revoked Certificates.");
    expect(AsnConvert.parse(der, CertificateList).tbsCertList.revokedCertificates).toBeUndefined();
  });

  it("signs once, through the CA's Signer: its signature over the TBSCertList is what the CRL carries", async () => {
    const issuer = await authority("EC-P256");
    const recorder = issuer.signer as RecordingSigner;
    const before = recorder.calls.length;
    const pem = await buildCertificateRevocationList({
      issuer,
      crlNumber: 7n,
      now: NOW,
      entries: [{ serialNumber: REVOKED, revokedAt: NOW, reason: "superseded" }],
    });
    expect(recorder.calls).toHaveLength(before + 1);
    const crl = AsnConvert.parse(pemDecode(pem, "X509 CRL"), CertificateList);
    const call = recorder.calls.at(-1) as { data: Uint8Array; signature: Uint8Array };
    expect(Buffer.from(call.data)).toEqual(Buffer.from(crl.tbsCertListRaw as ArrayBuffer));
    expect(Buffer.from(call.signature)).toEqual(Buffer.from(crl.signature));
  });
});
