/**
 * verifySigningRequest reads PKCS#10 with @peculiar/asn1-csr and checks the
 * encoding is DER (src/core/certificate-signing-request.ts says how). These
 * tests hold it to the @peculiar/x509 version it once was, kept here verbatim
 * as `referenceVerify`:
 *
 * - on CSRs made by `openssl req` (RSA 2048/4096 with PKCS#1 v1.5 and PSS
 *   signatures, EC P-256/P-384, Ed25519; SANs of every issued type; CNs in
 *   every string type openssl writes; no subject at all) and by the library's
 *   own Pkcs10CertificateRequestGenerator, both give the same key algorithm,
 *   CN, SANs and public key;
 * - the refusals give the same messages, field `csr`; where the new code is
 *   deliberately stricter (or the reference crashed, a 500 before), the table
 *   says what the reference does;
 * - random mutations of valid CSRs (raw, and re-signed so the signature still
 *   verifies) only ever raise InvalidRequestError, and whatever the new code
 *   accepts, the reference accepts too, with the same result.
 */
import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubjectAltName } from "../../../src/core/certificate-profiles.js";
import { verifySigningRequest } from "../../../src/core/certificate-signing-request.js";
import { InvalidRequestError } from "../../../src/core/errors.js";
import { generateKeyPair, type KeyAlgorithm, webCryptoParams } from "../../../src/core/key-algorithms.js";
import {
  Pkcs10CertificateRequest,
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
} from "../../../src/core/x509.js";
import { derToPem, pemToDer } from "../../support/api/openssl-tools.js";
import {
  BASIC_CONSTRAINTS_EXTN_ID,
  csrWithExtensions,
  derTlv,
  dnsNamesDer,
  extensionDer,
  certificationRequestInfoOf as infoOf,
  SUBJECT_ALT_NAME_EXTN_ID,
  signedRequest,
} from "../../support/signed-csr.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

// ---------------------------------------------------------------------------
// The reference: verifySigningRequest as it was with @peculiar/x509 (before the DER reader).

interface VerifiedSigningRequest {
  publicKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm;
  commonName: string | undefined;
  subjectAltNames: SubjectAltName[];
}

const FIELD = "csr";
const SUBJECT_ALT_NAME_OID = "2.5.29.17";

async function referenceVerify(pem: string, crypto: Crypto = globalThis.crypto): Promise<VerifiedSigningRequest> {
  let request: Pkcs10CertificateRequest;
  try {
    request = new Pkcs10CertificateRequest(pem);
  } catch (error) {
    throw new InvalidRequestError("csr is not a PEM PKCS#10 certificate request", FIELD, { cause: error });
  }
  const keyAlgorithm = referenceKeyAlgorithmOf(request.publicKey.rawData);
  let verified = false;
  try {
    verified = await request.verify(crypto);
  } catch {
    verified = false;
  }
  if (!verified) throw new InvalidRequestError("the CSR's signature does not verify with its own public key", FIELD);
  const publicKey = await crypto.subtle.importKey(
    "spki",
    request.publicKey.rawData,
    webCryptoParams(keyAlgorithm),
    true,
    ["verify"],
  );
  const sanExtension = request.getExtension(SUBJECT_ALT_NAME_OID);
  const san = sanExtension ? new SubjectAlternativeNameExtension(sanExtension.rawData) : undefined;
  const subjectAltNames = (san?.names.items ?? []).flatMap((name): SubjectAltName[] => {
    if (name.type === "dns" || name.type === "ip" || name.type === "url")
      return [{ type: name.type, value: name.value }];
    throw new InvalidRequestError(
      `the CSR asks for a ${name.type} subject alternative name, which is not supported`,
      FIELD,
    );
  });
  const commonNames = request.subjectName.getField("CN");
  if (commonNames.length > 1) throw new InvalidRequestError("the CSR subject has more than one CN", FIELD);
  return { publicKey, keyAlgorithm, commonName: commonNames[0], subjectAltNames };
}

function referenceKeyAlgorithmOf(spki: ArrayBuffer): KeyAlgorithm {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (error) {
    throw new InvalidRequestError("the CSR's public key cannot be read", FIELD, { cause: error });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && [2048, 3072, 4096].includes(details.modulusLength ?? 0)) {
    return `RSA-${details.modulusLength}` as KeyAlgorithm;
  }
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return "EC-P256";
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "secp384r1") return "EC-P384";
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  throw new InvalidRequestError("the CSR's key must be RSA 2048/3072/4096, EC P-256/P-384 or Ed25519", FIELD);
}

// ---------------------------------------------------------------------------
// Outcomes, compared as plain data.

type Outcome =
  | {
      accepted: {
        keyAlgorithm: KeyAlgorithm;
        commonName: string | undefined;
        subjectAltNames: SubjectAltName[];
        spki: string;
        algorithm: unknown;
        extractable: boolean;
        usages: string[];
      };
    }
  | { refused: { message: string; field: string | undefined } }
  /** Anything but InvalidRequestError: a 500 from the API. */
  | { crashed: string };

async function outcomeOf(verify: (pem: string) => Promise<VerifiedSigningRequest>, pem: string): Promise<Outcome> {
  let result: VerifiedSigningRequest;
  try {
    result = await verify(pem);
  } catch (error) {
    if (error instanceof InvalidRequestError) return { refused: { message: error.message, field: error.field } };
    return { crashed: String(error) };
  }
  const spki = Buffer.from(await globalThis.crypto.subtle.exportKey("spki", result.publicKey)).toString("base64");
  return {
    accepted: {
      keyAlgorithm: result.keyAlgorithm,
      commonName: result.commonName,
      subjectAltNames: result.subjectAltNames,
      spki,
      algorithm: JSON.parse(JSON.stringify(result.publicKey.algorithm)),
      extractable: result.publicKey.extractable,
      usages: [...result.publicKey.usages],
    },
  };
}

const current = (pem: string) => outcomeOf(verifySigningRequest, pem);
const reference = (pem: string) => outcomeOf(referenceVerify, pem);

const refused = (message: string): Outcome => ({ refused: { message, field: "csr" } });
const NOT_A_CSR = refused("csr is not a PEM PKCS#10 certificate request");
const BAD_SIGNATURE = refused("the CSR's signature does not verify with its own public key");
const UNSUPPORTED_KEY = refused("the CSR's key must be RSA 2048/3072/4096, EC P-256/P-384 or Ed25519");

// ---------------------------------------------------------------------------
// CSRs: openssl, the library's generator, and re-signed DER.

let dir: { path: string; remove: () => void };
const keyFiles: Record<string, string> = {};
const nodeKeys: Record<string, KeyObject> = {};

const KEYS: Record<string, string[]> = {
  rsa2048: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  rsa4096: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
  rsa1024: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
  rsaPssKey: ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
  p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p256b: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  p521: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
  secp256k1: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
  ed25519: ["-algorithm", "ed25519"],
  ed448: ["-algorithm", "ed448"],
};

beforeAll(() => {
  dir = temporaryDirectory("iot-certs-csr-reader-");
  for (const [name, args] of Object.entries(KEYS)) {
    const path = join(dir.path, `${name}.key`);
    openssl(["genpkey", ...args, "-out", path]);
    keyFiles[name] = path;
    nodeKeys[name] = createPrivateKey(readFileSync(path));
  }
  // The same P-256 key, written with a compressed point (02/03 ‖ x) in its SPKI.
  keyFiles.p256compressed = join(dir.path, "p256compressed.key");
  openssl(["ec", "-in", keyFiles.p256 as string, "-conv_form", "compressed", "-out", keyFiles.p256compressed]);
});

afterAll(() => dir?.remove());

function openssl(args: string[]): string {
  const result = spawnSync("openssl", args, { encoding: "utf8" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `openssl req -new` with a key made in beforeAll. */
function req(options: {
  key: string;
  subject?: string;
  subjectAltName?: string;
  /** `string_mask` of the config: utf8only (UTF8String), default (Printable/T61/BMP). */
  stringMask?: string;
  digest?: string;
  sigopts?: string[];
  extra?: string[];
  configLines?: string[];
}): string {
  const config = join(dir.path, `req-${Math.random().toString(36).slice(2)}.cnf`);
  writeFileSync(
    config,
    [
      "[req]",
      "distinguished_name = dn",
      `string_mask = ${options.stringMask ?? "utf8only"}`,
      ...(options.configLines ?? []),
      "[dn]",
      "",
    ].join("\n"),
  );
  const args = ["req", "-new", "-config", config, "-utf8", "-key", keyFiles[options.key] as string];
  if (options.subject !== undefined) args.push("-subj", options.subject);
  if (options.subjectAltName) args.push("-addext", `subjectAltName=${options.subjectAltName}`);
  if (options.digest) args.push(`-${options.digest}`);
  for (const sigopt of options.sigopts ?? []) args.push("-sigopt", sigopt);
  args.push(...(options.extra ?? []));
  return openssl(args);
}

/** A CSR from the library's generator, as bench/support/csr.ts makes them. */
async function generated(algorithm: KeyAlgorithm, commonName: string, names: SubjectAltName[] = []): Promise<string> {
  const keys = await generateKeyPair(algorithm);
  const request = await Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: webCryptoParams(algorithm),
    extensions: names.length > 0 ? [new SubjectAlternativeNameExtension(names)] : [],
  });
  return request.toString("pem");
}

/** Where `needle` first occurs in `haystack` (it must). */
function indexOf(haystack: Uint8Array, needle: number[] | Uint8Array): number {
  const index = Buffer.from(haystack).indexOf(Buffer.from(needle));
  if (index < 0) throw new Error("pattern not found");
  return index;
}

const COMMON_NAME_TYPE = [0x06, 0x03, 0x55, 0x04, 0x03];

// ---------------------------------------------------------------------------

describe("verifySigningRequest gives what the @peculiar/x509 version gave", () => {
  const SANS =
    "DNS:broker.dev.example.com,IP:10.1.2.3,IP:2001:db8::1,IP:::1,IP:fe80:0:0:1::,IP:1:0:0:2:0:0:0:3,IP:::,IP:2001:DB8:0:0:0:0:0:ABCD,URI:urn:dev:ops:sensor-1";
  const OPENSSL_CASES: [string, () => string][] = [
    ["RSA-2048, UTF8String CN, no SAN", () => req({ key: "rsa2048", subject: "/CN=broker.dev.example.com" })],
    [
      "RSA-2048 with DNS, IPv4, IPv6 and URI SANs",
      () => req({ key: "rsa2048", subject: "/CN=b", subjectAltName: SANS }),
    ],
    ["RSA-2048, sha384WithRSAEncryption", () => req({ key: "rsa2048", subject: "/CN=b", digest: "sha384" })],
    ["RSA-2048, sha512WithRSAEncryption", () => req({ key: "rsa2048", subject: "/CN=b", digest: "sha512" })],
    [
      "RSA-2048, RSASSA-PSS SHA-256, salt 32",
      () => req({ key: "rsa2048", subject: "/CN=p", sigopts: ["rsa_padding_mode:pss", "rsa_pss_saltlen:32"] }),
    ],
    [
      "RSA-2048, RSASSA-PSS SHA-384, openssl's default (maximum) salt",
      () => req({ key: "rsa2048", subject: "/CN=p", digest: "sha384", sigopts: ["rsa_padding_mode:pss"] }),
    ],
    [
      "RSA-2048, RSASSA-PSS SHA-512, salt = digest length",
      () =>
        req({
          key: "rsa2048",
          subject: "/CN=p",
          digest: "sha512",
          sigopts: ["rsa_padding_mode:pss", "rsa_pss_saltlen:digest"],
        }),
    ],
    ["RSA-4096", () => req({ key: "rsa4096", subject: "/CN=big", subjectAltName: "DNS:big.example.com" })],
    ["EC P-256 with SANs", () => req({ key: "p256", subject: "/O=Acme IoT/CN=sensor-1", subjectAltName: SANS })],
    ["EC P-256, a compressed point", () => req({ key: "p256compressed", subject: "/CN=c", subjectAltName: SANS })],
    ["EC P-256, ecdsa-with-SHA384", () => req({ key: "p256", subject: "/CN=e", digest: "sha384" })],
    ["EC P-256, ecdsa-with-SHA512", () => req({ key: "p256", subject: "/CN=e", digest: "sha512" })],
    ["EC P-384 with SANs", () => req({ key: "p384", subject: "/CN=p384", subjectAltName: SANS, digest: "sha384" })],
    ["Ed25519 with SANs", () => req({ key: "ed25519", subject: "/CN=ed", subjectAltName: SANS })],
    ["CN as PrintableString", () => req({ key: "p256", subject: "/C=SE/CN=plain-name", stringMask: "default" })],
    ["CN as TeletexString", () => req({ key: "p256", subject: "/CN=a*b@c", stringMask: "default" })],
    ["CN as BMPString", () => req({ key: "p256", subject: "/CN=東京-sensor", stringMask: "default" })],
    ["non-ASCII UTF8String CN", () => req({ key: "ed25519", subject: "/CN=café 東京 😀" })],
    ["no subject at all", () => req({ key: "p256", subject: "/" })],
    ["a subject without a CN", () => req({ key: "p256", subject: "/O=Acme IoT/C=SE" })],
    ["a multi-valued RDN", () => req({ key: "p256", subject: "/CN=multi+O=Acme/C=SE", extra: ["-multivalue-rdn"] })],
    [
      "attributes and extensions the service ignores",
      () =>
        req({
          key: "p256",
          subject: "/CN=attrs",
          subjectAltName: "DNS:x.example.com",
          extra: ["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=digitalSignature"],
          configLines: [
            "attributes = attrs",
            "[attrs]",
            "challengePassword = secret1234",
            "unstructuredName = someone",
          ],
        }),
    ],
    ["no subject, a URI SAN only", () => req({ key: "p256", subject: "/", subjectAltName: "URI:urn:x" })],
    [
      "the NEW CERTIFICATE REQUEST label",
      () => req({ key: "p256", subject: "/CN=n" }).replaceAll("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"),
    ],
    ["CRLF line endings", () => req({ key: "p256", subject: "/CN=crlf" }).replaceAll("\n", "\r\n")],
    [
      "openssl req -text (explanatory text before the PEM)",
      () => req({ key: "p256", subject: "/CN=t", extra: ["-text"] }),
    ],
  ];

  it.each(OPENSSL_CASES)("openssl req: %s", async (_name, make) => {
    const pem = make();
    const outcome = await current(pem);
    expect(outcome).toHaveProperty("accepted");
    expect(outcome).toEqual(await reference(pem));
  });

  const GENERATED: [KeyAlgorithm, SubjectAltName[]][] = [
    ["EC-P256", []],
    [
      "EC-P256",
      [
        { type: "dns", value: "bench.example.com" },
        { type: "ip", value: "192.0.2.7" },
        { type: "ip", value: "2001:db8::1:0:0:1" },
        { type: "url", value: "urn:dev:ops:bench" },
      ],
    ],
    ["EC-P384", [{ type: "dns", value: "p384.example.com" }]],
    ["Ed25519", [{ type: "url", value: "spiffe://example.org/device/7" }]],
    ["RSA-2048", [{ type: "dns", value: "rsa.example.com" }]],
    ["RSA-3072", []],
  ];

  it.each(GENERATED)("Pkcs10CertificateRequestGenerator: %s %j", async (algorithm, names) => {
    const pem = await generated(algorithm, `gen-${algorithm}`, names);
    const outcome = await current(pem);
    expect(outcome).toMatchObject({ accepted: { keyAlgorithm: algorithm, subjectAltNames: names } });
    expect(outcome).toEqual(await reference(pem));
  });

  it("returns one CryptoKey, the SPKI of the CSR, usable as before", async () => {
    const pem = req({ key: "p256", subject: "/CN=k" });
    const { publicKey } = await verifySigningRequest(pem);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
    const expected = createPublicKey(readFileSync(keyFiles.p256 as string)).export({ type: "spki", format: "der" });
    expect(Buffer.from(spki)).toEqual(expected);
    expect(publicKey).toMatchObject({ type: "public", extractable: true, usages: ["verify"] });
  });
});

describe("refusals: InvalidRequestError, field csr", () => {
  /**
   * [what, the CSR, the new outcome, the reference's outcome when it differs]:
   * the reference either gave the same refusal, or accepted (the new code is
   * stricter there on purpose), or crashed (a 500 before, a 400 now).
   */
  type Case = [string, () => string | Promise<string>, Outcome, ("accepts" | "crashes")?];

  const flip = (pem: string, at: (der: Buffer) => number, mask = 0x01): string => {
    const der = pemToDer(pem);
    const index = at(der);
    der[index] = (der[index] as number) ^ mask;
    return derToPem(der, "CERTIFICATE REQUEST");
  };
  const rewrap = (pem: string, edit: (der: Buffer) => Uint8Array): string =>
    derToPem(edit(pemToDer(pem)), "CERTIFICATE REQUEST");
  const ec = () => req({ key: "p256", subject: "/CN=sensor-1", subjectAltName: "DNS:sensor-1.example.com" });
  /** The same info with one edit, re-signed with the CSR's own key: only the edit can be refused. */
  const resigned = (edit: (info: Buffer) => void, key = "p256", pem = ec()): string => {
    const info = infoOf(pem);
    edit(info);
    return signedRequest(info, nodeKeys[key] as KeyObject);
  };
  /** ec()'s CSR with one extension in its extension request, `critical` written as given, re-signed. */
  const withExtension = (oid: string, critical: string, value: Uint8Array): string =>
    csrWithExtensions(ec(), nodeKeys.p256 as KeyObject, [extensionDer(oid, critical, value)]);
  const SAN = dnsNamesDer("sensor-1.example.com");
  const CA_FALSE = new Uint8Array([0x30, 0x00]);
  /** An extension's `critical` BOOLEAN DEFAULT FALSE: DER has it absent or 01 01 ff, nothing else. */
  const MALFORMED_CRITICAL = [
    ["of length 0 (01 00)", "0100"],
    ["of length 2 (01 02 ff ff)", "0102ffff"],
    ["01 01 01 (TRUE is ff in DER)", "010101"],
    ["an explicit FALSE (01 01 00: DER never encodes a DEFAULT)", "010100"],
  ] as const;

  const CASES: Case[] = [
    ["a flipped bit in the signature", () => flip(ec(), (der) => der.length - 1), BAD_SIGNATURE],
    ["a flipped bit in the subject", () => flip(ec(), (der) => indexOf(der, COMMON_NAME_TYPE) + 7), BAD_SIGNATURE],
    [
      "signed by another key than its own",
      () => signedRequest(infoOf(ec()), nodeKeys.p256b as KeyObject),
      BAD_SIGNATURE,
    ],
    [
      "an ECDSA signature on an Ed25519 key",
      () => signedRequest(infoOf(req({ key: "ed25519", subject: "/CN=x" })), nodeKeys.p256 as KeyObject),
      BAD_SIGNATURE,
    ],
    ["truncated DER", () => rewrap(ec(), (der) => der.subarray(0, der.length - 10)), NOT_A_CSR],
    [
      "trailing bytes after the DER",
      () => rewrap(ec(), (der) => Buffer.concat([der, Buffer.from([0, 0])])),
      NOT_A_CSR,
      "accepts",
    ],
    [
      "an indefinite length",
      () =>
        rewrap(ec(), (der) => {
          // 30 81 xx … → 30 80 … 00 00 (BER, not DER).
          const headerLength = der[1] === 0x81 ? 3 : 4;
          return Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(headerLength), Buffer.from([0, 0])]);
        }),
      NOT_A_CSR,
      "accepts",
    ],
    [
      "a non-minimal length",
      () =>
        rewrap(ec(), (der) => {
          // 30 81 xx → 30 82 00 xx, or 30 82 xx xx → 30 83 00 xx xx: a leading zero length octet.
          const count = (der[1] as number) & 0x7f;
          return Buffer.concat([Buffer.from([0x30, 0x81 + count, 0x00]), der.subarray(2)]);
        }),
      NOT_A_CSR,
      "accepts",
    ],
    [
      "version 1 instead of 0 (re-signed)",
      () =>
        resigned((info) => {
          const version = indexOf(info, [0x02, 0x01, 0x00]);
          info[version + 2] = 1;
        }),
      NOT_A_CSR,
      "accepts",
    ],
    ["not PEM at all", () => "garbage", NOT_A_CSR],
    ["empty", () => "", NOT_A_CSR],
    ["a PEM body with a character outside base64", () => ec().replace(/\n([A-Za-z0-9+/]{10})/, "\n$1!"), NOT_A_CSR],
    [
      "non-canonical base64 (padding bits set)",
      () => {
        // With padding, the last base64 character before "=" carries unused low bits: set one.
        // An ECDSA signature's length varies (70-72 bytes), so a CSR's length modulo 3 does too:
        // generate until one needs padding (each try has ~2/3 chance), not a fixed few.
        let pem: string | undefined;
        for (let n = 1; n <= 60 && pem === undefined; n += 1) {
          const candidate = req({ key: "p256", subject: `/CN=${"x".repeat(n)}` });
          if (candidate.includes("=\n-----END")) pem = candidate;
        }
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        return (pem as string).replace(
          /([A-Za-z0-9+/])(=+\n-----END)/,
          (_all, last: string, rest: string) => `${alphabet[alphabet.indexOf(last) + 1]}${rest}`,
        );
      },
      NOT_A_CSR,
      "accepts",
    ],
    [
      "a PEM block that ends with another label",
      () => ec().replace("END CERTIFICATE REQUEST", "END CERTIFICATE"),
      NOT_A_CSR,
    ],
    [
      "a certificate instead of a CSR",
      () => openssl(["req", "-x509", "-new", "-key", keyFiles.p256 as string, "-subj", "/CN=cert", "-days", "1"]),
      NOT_A_CSR,
    ],
    [
      "an email SAN",
      () => req({ key: "p256", subject: "/CN=e", subjectAltName: "email:ops@example.com,DNS:e.example.com" }),
      refused("the CSR asks for a email subject alternative name, which is not supported"),
    ],
    [
      "a directoryName SAN",
      () =>
        req({
          key: "p256",
          subject: "/CN=e",
          subjectAltName: "dirName:dir_sect",
          configLines: ["[dir_sect]", "CN = someone"],
        }),
      refused("the CSR asks for a dn subject alternative name, which is not supported"),
    ],
    [
      "a registeredID SAN",
      () => req({ key: "p256", subject: "/CN=e", subjectAltName: "RID:1.2.3.4" }),
      refused("the CSR asks for a id subject alternative name, which is not supported"),
    ],
    [
      "a UPN otherName SAN",
      () =>
        req({ key: "p256", subject: "/CN=e", subjectAltName: "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:me@example.com" }),
      refused("the CSR asks for a upn subject alternative name, which is not supported"),
    ],
    [
      // The library skipped GeneralNames it had no name for: the CSR was accepted without them.
      "an otherName SAN of another type",
      () => req({ key: "p256", subject: "/CN=e", subjectAltName: "otherName:1.2.3.4;UTF8:whatever" }),
      refused("the CSR asks for a otherName subject alternative name, which is not supported"),
      "accepts",
    ],
    [
      // 8 octets are an address and mask (name constraints); the library rendered "10.0.0.0/8".
      "an IP SAN of 8 octets",
      () => generated("EC-P256", "cidr", [{ type: "ip", value: "10.0.0.0/8" }]),
      refused("the CSR asks for an IP subject alternative name of 8 octets; an address has 4 (IPv4) or 16 (IPv6)"),
      "accepts",
    ],
    ["two CNs", () => req({ key: "p256", subject: "/CN=a/CN=b" }), refused("the CSR subject has more than one CN")],
    [
      // The library rendered it as the hex of the DER.
      "a CN as VisibleString (re-signed)",
      () =>
        resigned((info) => {
          info[indexOf(info, COMMON_NAME_TYPE) + 5] = 0x1a;
        }),
      refused(
        "the CSR subject's CN must be a UTF8String, PrintableString, IA5String, TeletexString, BMPString or UniversalString",
      ),
      "accepts",
    ],
    [
      "a UTF8String CN that is not UTF-8 (re-signed)",
      () =>
        resigned((info) => {
          info[indexOf(info, COMMON_NAME_TYPE) + 7] = 0xff;
        }),
      NOT_A_CSR,
      "accepts",
    ],
    ["an RSA-1024 key", () => req({ key: "rsa1024", subject: "/CN=small" }), UNSUPPORTED_KEY],
    ["an EC P-521 key", () => req({ key: "p521", subject: "/CN=p521" }), UNSUPPORTED_KEY],
    ["a secp256k1 key", () => req({ key: "secp256k1", subject: "/CN=k1" }), UNSUPPORTED_KEY],
    ["an RSASSA-PSS key (id-RSASSA-PSS SPKI)", () => req({ key: "rsaPssKey", subject: "/CN=pss" }), UNSUPPORTED_KEY],
    ["an Ed448 key", () => req({ key: "ed448", subject: "/CN=ed448" }), UNSUPPORTED_KEY],
    [
      "a key that cannot be read (re-signed)",
      () =>
        resigned((info) => {
          // The EC point's 0x04 (uncompressed) marker becomes 0x05: no such point format
          // (0x06 and 0x07, X9.62's hybrid form, are read by OpenSSL).
          const point = indexOf(info, [0x03, 0x42, 0x00, 0x04]);
          info[point + 3] = 0x05;
        }, "p256"),
      refused("the CSR's public key cannot be read"),
    ],
    [
      "an EC point not on the curve (re-signed)",
      () =>
        resigned((info) => {
          const point = indexOf(info, [0x03, 0x42, 0x00, 0x04]);
          info[point + 3 + 64] = (info[point + 3 + 64] as number) ^ 0x01; // the last octet of y
        }, "p256"),
      refused("the CSR's public key cannot be read"),
    ],
    [
      "a SHA-1 signature",
      () => req({ key: "rsa2048", subject: "/CN=old", digest: "sha1" }),
      refused(
        "the CSR is signed with sha1WithRSAEncryption, which is not supported: sign it with SHA-256, SHA-384 or SHA-512 (RSA PKCS#1 v1.5, RSA-PSS with MGF1 of the same hash, or ECDSA) or with Ed25519",
      ),
      "accepts",
    ],
    [
      "ecdsa-with-SHA1",
      () => req({ key: "p256", subject: "/CN=old", digest: "sha1" }),
      refused(
        "the CSR is signed with ecdsa-with-SHA1, which is not supported: sign it with SHA-256, SHA-384 or SHA-512 (RSA PKCS#1 v1.5, RSA-PSS with MGF1 of the same hash, or ECDSA) or with Ed25519",
      ),
      "accepts",
    ],
    [
      // RFC 2986 §4.1: attributes [0] is not OPTIONAL (openssl writes a0 00 when there are none).
      "no attributes field at all (re-signed)",
      () => {
        const info = infoOf(req({ key: "p256", subject: "/CN=bare" }));
        expect(info.subarray(-2)).toEqual(Buffer.from([0xa0, 0x00]));
        const content = info.subarray(info[1] === 0x81 ? 3 : 2, -2);
        return signedRequest(derTlv(0x30, content), nodeKeys.p256 as KeyObject);
      },
      NOT_A_CSR,
      "accepts",
    ],
    ...MALFORMED_CRITICAL.flatMap(([what, critical]): Case[] => [
      [
        `a subjectAltName whose critical flag is ${what} (re-signed)`,
        () => withExtension(SUBJECT_ALT_NAME_EXTN_ID, critical, SAN),
        NOT_A_CSR,
        "accepts",
      ],
      [
        `an ignored basicConstraints whose critical flag is ${what} (re-signed)`,
        () => withExtension(BASIC_CONSTRAINTS_EXTN_ID, critical, CA_FALSE),
        NOT_A_CSR,
        "accepts",
      ],
    ]),
  ];

  it.each([
    ["absent", ""],
    ["TRUE (01 01 ff)", "0101ff"],
  ])("the same CSRs with the critical flag %s are accepted", async (_what, critical) => {
    for (const pem of [
      withExtension(SUBJECT_ALT_NAME_EXTN_ID, critical, SAN),
      csrWithExtensions(ec(), nodeKeys.p256 as KeyObject, [
        extensionDer(BASIC_CONSTRAINTS_EXTN_ID, critical, CA_FALSE),
        extensionDer(SUBJECT_ALT_NAME_EXTN_ID, "", SAN),
      ]),
    ]) {
      const outcome = await current(pem);
      expect(outcome).toMatchObject({
        accepted: { commonName: "sensor-1", subjectAltNames: [{ type: "dns", value: "sensor-1.example.com" }] },
      });
      expect(outcome).toEqual(await reference(pem));
    }
  });

  it.each(CASES)("%s", async (_what, make, expected, referenceDiffers) => {
    const pem = await make();
    const outcome = await current(pem);
    expect(outcome).toEqual(expected);
    const before = await reference(pem);
    if (referenceDiffers === "accepts") expect(before).toHaveProperty("accepted");
    else if (referenceDiffers === "crashes") expect(before).toHaveProperty("crashed");
    else expect(before).toEqual(expected);
  });

  it("the error is an InvalidRequestError naming the field", async () => {
    const error = await verifySigningRequest("garbage").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ field: "csr", message: "csr is not a PEM PKCS#10 certificate request" });
  });
});

describe("mutated CSRs", () => {
  /** Byte edits: replace, insert or delete one byte (positions modulo the length), or cut the end. */
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("xor" as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), value: fc.constant(0) }),
  );
  type Edit = { kind: "set" | "xor" | "insert" | "delete" | "cut"; at: number; value: number };

  function mutate(bytes: Uint8Array, edits: Edit[]): Buffer {
    let out = Buffer.from(bytes);
    for (const { kind, at, value } of edits) {
      const index = out.length === 0 ? 0 : at % out.length;
      if (kind === "set") out[index] = value;
      else if (kind === "xor") out[index] = (out[index] ?? 0) ^ value;
      else if (kind === "insert")
        out = Buffer.concat([out.subarray(0, index), Buffer.from([value]), out.subarray(index)]);
      else if (kind === "delete") out = Buffer.concat([out.subarray(0, index), out.subarray(index + 1)]);
      else out = out.subarray(0, index);
    }
    return out;
  }

  /** The new code refuses only with InvalidRequestError(field csr); what it accepts, the reference accepts alike. */
  async function agrees(pem: string, counts: { accepted: number; referenceCrashed: number }): Promise<void> {
    const outcome = await current(pem);
    if ("crashed" in outcome) throw new Error(`not an InvalidRequestError: ${outcome.crashed}`);
    if ("refused" in outcome) {
      expect(outcome.refused.field).toBe("csr");
      return;
    }
    const before = await reference(pem);
    if ("crashed" in before) {
      // The reference threw a bare error (a 500) on something the new code reads as DER but ignores,
      // e.g. a malformed value of an extension other than subjectAltName: no verdict to compare with.
      counts.referenceCrashed++;
      return;
    }
    counts.accepted++;
    expect(outcome).toEqual(before);
  }

  it("raw byte mutations of the DER: only InvalidRequestError, and nothing the reference refused", async () => {
    const bases = [
      req({ key: "p256", subject: "/CN=sensor-1", subjectAltName: "DNS:s.example.com,IP:10.0.0.1,IP:2001:db8::7" }),
      req({ key: "ed25519", subject: "/CN=ed", subjectAltName: "URI:urn:dev:ops:ed" }),
      req({ key: "rsa2048", subject: "/CN=rsa", sigopts: ["rsa_padding_mode:pss", "rsa_pss_saltlen:32"] }),
    ].map(pemToDer);
    const counts = { accepted: 0, referenceCrashed: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bases),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        async (der, edits) => {
          await agrees(derToPem(mutate(der, edits), "CERTIFICATE REQUEST"), counts);
        },
      ),
      { numRuns: 600 },
    );
  });

  it("mutations of CertificationRequestInfo, re-signed: the parse itself is compared", async () => {
    const bases = [
      req({
        key: "p256",
        subject: "/O=Acme IoT/CN=sensor-é",
        subjectAltName: "DNS:s.example.com,IP:10.0.0.1,IP:2001:db8::7,URI:urn:dev:ops:s",
      }),
      req({
        key: "p256",
        subject: "/C=SE/O=Acme/CN=東京-a*b",
        stringMask: "default",
        subjectAltName: "IP:fe80::1:2,URI:urn:x,DNS:a.b",
        extra: ["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=digitalSignature"],
        configLines: ["attributes = attrs", "[attrs]", "challengePassword = secret1234", "unstructuredName = someone"],
      }),
    ].map(infoOf);
    const key = nodeKeys.p256 as KeyObject;
    const counts = { accepted: 0, referenceCrashed: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bases),
        fc.array(edit, { minLength: 1, maxLength: 2 }),
        async (info, edits) => {
          await agrees(signedRequest(mutate(info, edits), key), counts);
        },
      ),
      { numRuns: 800 },
    );
    // The comparison ran on accepted mutants (changed names), not only on refusals.
    expect(counts.accepted).toBeGreaterThan(10);
  });
});
