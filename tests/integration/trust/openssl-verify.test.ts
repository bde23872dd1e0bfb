/**
 * `openssl verify -x509_strict` on every kind of certificate in every key
 * algorithm it allows, each verified with only its root as the trust anchor
 * (`-CAfile`) and its intermediate as the only other certificate
 * (`-untrusted`). Algorithms are mixed on purpose: each intermediate is signed
 * by a root of another algorithm, and each leaf by an intermediate of another
 * one, so every signer/subject pairing the service produces is exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import type { IssuedCertificate } from "../../../src/core/issuance/issued-certificate.js";
import type { CertificateAuthorityKeyAlgorithm, KeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { createTestHierarchy, type TestHierarchy } from "../../support/hierarchy.js";
import { opensslText, opensslVerify } from "../../support/openssl.js";
import {
  algorithmSlug,
  CA_ALGORITHMS,
  DEVICE_ALGORITHMS,
  intermediateOf,
  SERVER_ALGORITHMS,
} from "../../support/trust/pki.js";

/** The CA algorithm at `index`, wrapping around. */
const caAlgorithm = (index: number): CertificateAuthorityKeyAlgorithm =>
  CA_ALGORITHMS[index % CA_ALGORITHMS.length] as CertificateAuthorityKeyAlgorithm;
/** Intermediate of algorithm CA[i] is signed by the root of CA[i+1]. */
const rootAlgorithmFor = (intermediate: CertificateAuthorityKeyAlgorithm) =>
  caAlgorithm(CA_ALGORITHMS.indexOf(intermediate) + 1);
/** Server i is signed by intermediate CA[i+2], device j by CA[j+3]. */
const serverIssuerAlgorithm = (index: number) => caAlgorithm(index + 2);
const deviceIssuerAlgorithm = (index: number) => caAlgorithm(index + 3);

const rootName = (algorithm: KeyAlgorithm) => `root-${algorithmSlug(algorithm)}`;
const intermediateName = (algorithm: KeyAlgorithm) => `int-${algorithmSlug(algorithm)}`;

/** How `openssl x509 -text` names the signature an issuer of `algorithm` makes. */
const SIGNATURE_ALGORITHM: Record<CertificateAuthorityKeyAlgorithm, string> = {
  "RSA-2048": "sha256WithRSAEncryption",
  "RSA-3072": "sha256WithRSAEncryption",
  "RSA-4096": "sha256WithRSAEncryption",
  "EC-P256": "ecdsa-with-SHA256",
  "EC-P384": "ecdsa-with-SHA384",
};
/** What `openssl x509 -text` prints for a subject key of `algorithm`. */
const PUBLIC_KEY_TEXT: Record<KeyAlgorithm, RegExp> = {
  "RSA-2048": /rsaEncryption\s+Public-Key: \(2048 bit\)/,
  "RSA-3072": /rsaEncryption\s+Public-Key: \(3072 bit\)/,
  "RSA-4096": /rsaEncryption\s+Public-Key: \(4096 bit\)/,
  "EC-P256": /id-ecPublicKey\s+Public-Key: \(256 bit\)[\s\S]+NIST CURVE: P-256/,
  "EC-P384": /id-ecPublicKey\s+Public-Key: \(384 bit\)[\s\S]+NIST CURVE: P-384/,
  Ed25519: /Public Key Algorithm: ED25519/,
};

describe("openssl verify -x509_strict, root as the only trust anchor", () => {
  let pki: TestHierarchy;
  let foreign: TestHierarchy;
  const roots = new Map<KeyAlgorithm, IssuedCertificate>();
  const intermediates = new Map<KeyAlgorithm, IssuedCertificate>();
  const servers = new Map<KeyAlgorithm, IssuedCertificate>();
  const devices = new Map<KeyAlgorithm, IssuedCertificate>();

  beforeAll(async () => {
    [pki, foreign] = await Promise.all([
      createTestHierarchy({ rootKeyAlgorithm: "EC-P256", intermediateKeyAlgorithm: "EC-P256" }),
      createTestHierarchy({ rootKeyAlgorithm: "EC-P256", intermediateKeyAlgorithm: "EC-P256" }),
    ]);
    const { repository } = pki;
    await Promise.all(
      CA_ALGORITHMS.map(async (keyAlgorithm) => {
        const root = await createRootCertificateAuthority(
          { name: rootName(keyAlgorithm), country: "SE", organization: "Matrix", keyAlgorithm },
          repository,
        );
        roots.set(keyAlgorithm, root);
      }),
    );
    await Promise.all(
      CA_ALGORITHMS.map(async (keyAlgorithm) => {
        const intermediate = await createIntermediateCertificateAuthority(
          { name: intermediateName(keyAlgorithm), issuer: rootName(rootAlgorithmFor(keyAlgorithm)), keyAlgorithm },
          repository,
        );
        intermediates.set(keyAlgorithm, intermediate);
      }),
    );
    await Promise.all([
      ...SERVER_ALGORITHMS.map(async (keyAlgorithm, index) => {
        const issuer = intermediateName(serverIssuerAlgorithm(index));
        const fqdn = `${algorithmSlug(keyAlgorithm)}.servers.test`;
        servers.set(
          keyAlgorithm,
          await pki.issueServer({ fqdn, issuer, keyAlgorithm, subjectAltNames: [{ type: "ip", value: "127.0.0.1" }] }),
        );
      }),
      ...DEVICE_ALGORITHMS.map(async (keyAlgorithm, index) => {
        const issuer = intermediateName(deviceIssuerAlgorithm(index));
        devices.set(
          keyAlgorithm,
          await pki.issueDevice({ deviceId: `device-${algorithmSlug(keyAlgorithm)}`, issuer, keyAlgorithm }),
        );
      }),
    ]);
  });

  afterAll(() => {
    pki?.remove();
    foreign?.remove();
  });

  const get = (map: Map<KeyAlgorithm, IssuedCertificate>, algorithm: KeyAlgorithm) => {
    const found = map.get(algorithm);
    if (!found) throw new Error(`no ${algorithm} certificate was issued`);
    return found;
  };

  function expectVerified(result: { ok: boolean; output: string }) {
    expect(result.output).toMatch(/: OK\s*$/);
    expect(result.ok).toBe(true);
  }

  it.each(CA_ALGORITHMS)("%s root: self-signed trust anchor, self-signature checked", (keyAlgorithm) => {
    const root = get(roots, keyAlgorithm).record.certificate;
    expectVerified(opensslVerify({ trusted: root, certificate: root, extraArgs: ["-check_ss_sig"] }));
    const text = opensslText(root);
    expect(text).toMatch(PUBLIC_KEY_TEXT[keyAlgorithm]);
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM[keyAlgorithm]}`);
  });

  it.each(CA_ALGORITHMS)("%s intermediate, signed by a root of another algorithm", (keyAlgorithm) => {
    const rootAlgorithm = rootAlgorithmFor(keyAlgorithm);
    expect(rootAlgorithm).not.toBe(keyAlgorithm);
    const intermediate = get(intermediates, keyAlgorithm).record.certificate;
    expectVerified(opensslVerify({ trusted: get(roots, rootAlgorithm).record.certificate, certificate: intermediate }));
    const text = opensslText(intermediate);
    expect(text).toMatch(PUBLIC_KEY_TEXT[keyAlgorithm]);
    expect(text).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM[rootAlgorithm]}`);
  });

  it.each(SERVER_ALGORITHMS.map((keyAlgorithm, index) => ({ keyAlgorithm, issuer: serverIssuerAlgorithm(index) })))(
    "$keyAlgorithm server certificate (issued by the $issuer intermediate): -purpose sslserver",
    ({ keyAlgorithm, issuer }) => {
      const server = get(servers, keyAlgorithm);
      const root = get(roots, rootAlgorithmFor(issuer)).record.certificate;
      expect(intermediateOf(server)).toBe(get(intermediates, issuer).record.certificate);
      expectVerified(
        opensslVerify({
          trusted: root,
          untrusted: intermediateOf(server),
          certificate: server.record.certificate,
          purpose: "sslserver",
        }),
      );
      const text = opensslText(server.record.certificate);
      expect(text).toMatch(PUBLIC_KEY_TEXT[keyAlgorithm]);
      expect(text).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM[issuer]}`);
    },
  );

  it.each(DEVICE_ALGORITHMS.map((keyAlgorithm, index) => ({ keyAlgorithm, issuer: deviceIssuerAlgorithm(index) })))(
    "$keyAlgorithm device certificate (issued by the $issuer intermediate): -purpose sslclient",
    ({ keyAlgorithm, issuer }) => {
      const device = get(devices, keyAlgorithm);
      const root = get(roots, rootAlgorithmFor(issuer)).record.certificate;
      expect(intermediateOf(device)).toBe(get(intermediates, issuer).record.certificate);
      expectVerified(
        opensslVerify({
          trusted: root,
          untrusted: intermediateOf(device),
          certificate: device.record.certificate,
          purpose: "sslclient",
        }),
      );
      const text = opensslText(device.record.certificate);
      expect(text).toMatch(PUBLIC_KEY_TEXT[keyAlgorithm]);
      expect(text).toContain(`Signature Algorithm: ${SIGNATURE_ALGORITHM[issuer]}`);
    },
  );

  it("the default hierarchy's leaves verify too (servers and devices intermediates under one root)", async () => {
    const [server, device] = await Promise.all([
      pki.issueServer({ fqdn: "broker.test", keyAlgorithm: "EC-P256" }),
      pki.issueDevice({ keyAlgorithm: "EC-P256" }),
    ]);
    const root = pki.root.record.certificate;
    expectVerified(
      opensslVerify({
        trusted: root,
        untrusted: intermediateOf(server),
        certificate: server.record.certificate,
        purpose: "sslserver",
      }),
    );
    expectVerified(
      opensslVerify({
        trusted: root,
        untrusted: intermediateOf(device),
        certificate: device.record.certificate,
        purpose: "sslclient",
      }),
    );
  });

  describe("must fail", () => {
    let server: IssuedCertificate;
    let device: IssuedCertificate;
    beforeAll(async () => {
      [server, device] = await Promise.all([
        pki.issueServer({ fqdn: "broker.test", keyAlgorithm: "EC-P256" }),
        pki.issueDevice({ deviceId: "negative-device", keyAlgorithm: "EC-P256" }),
      ]);
    });

    function expectRefused(result: { ok: boolean; output: string }, reason: string) {
      expect(result.ok).toBe(false);
      expect(result.output).toContain(reason);
    }

    it("a leaf checked against a foreign root (same names, other keys), with its own intermediate", () => {
      expect(foreign.root.record.certificate).not.toBe(pki.root.record.certificate);
      for (const [leaf, purpose] of [
        [server, "sslserver"],
        [device, "sslclient"],
      ] as const) {
        expectRefused(
          opensslVerify({
            trusted: foreign.root.record.certificate,
            untrusted: intermediateOf(leaf),
            certificate: leaf.record.certificate,
            purpose,
          }),
          "unable to get local issuer certificate",
        );
      }
    });

    it("a leaf checked against a foreign root with the foreign intermediate of the same name", () => {
      expectRefused(
        opensslVerify({
          trusted: foreign.root.record.certificate,
          untrusted: foreign.servers.record.certificate,
          certificate: server.record.certificate,
          purpose: "sslserver",
        }),
        "unable to get local issuer certificate",
      );
    });

    it("a leaf without its intermediate", () => {
      for (const [leaf, purpose] of [
        [server, "sslserver"],
        [device, "sslclient"],
      ] as const) {
        expectRefused(
          opensslVerify({ trusted: pki.root.record.certificate, certificate: leaf.record.certificate, purpose }),
          "unable to get local issuer certificate",
        );
      }
    });

    it("a server certificate checked for client use (-purpose sslclient: EKU is serverAuth only)", () => {
      expectRefused(
        opensslVerify({
          trusted: pki.root.record.certificate,
          untrusted: intermediateOf(server),
          certificate: server.record.certificate,
          purpose: "sslclient",
        }),
        "error 26 at 0 depth lookup: unsuitable certificate purpose",
      );
    });

    it("a device certificate checked for server use (-purpose sslserver: EKU is clientAuth only)", () => {
      expectRefused(
        opensslVerify({
          trusted: pki.root.record.certificate,
          untrusted: intermediateOf(device),
          certificate: device.record.certificate,
          purpose: "sslserver",
        }),
        "error 26 at 0 depth lookup: unsuitable certificate purpose",
      );
    });

    it("an intermediate is not a trust anchor: trusting it alone does not verify its leaves", () => {
      expectRefused(
        opensslVerify({
          trusted: intermediateOf(server),
          certificate: server.record.certificate,
          purpose: "sslserver",
        }),
        "unable to get issuer certificate",
      );
    });
  });
});
