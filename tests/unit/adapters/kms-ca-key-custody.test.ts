/**
 * The KMS custody and signer in the SDK's own terms (aws-sdk-client-mock): the
 * exact CreateKey, CreateAlias, GetPublicKey and Sign inputs, RAW up to KMS's
 * 4,096-byte limit and DIGEST above it, and what a failure leaves behind. The
 * mock signs with a real local key of the same kind, as KMS would, so every
 * signature is checked with node:crypto and every chain with openssl.
 * moto_server proves the protocol in tests/integration/storage/kms-on-moto.test.ts.
 */
import { spawnSync } from "node:child_process";
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  sign,
  verify,
} from "node:crypto";
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DisabledException,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidStateException,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SignCommandInput,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { KmsCaKeyCustody } from "../../../src/adapters/kms-ca-key-custody.js";
import { KmsSigner } from "../../../src/adapters/kms-signer.js";
import { caKeyCustodies } from "../../../src/core/ca-key-custody.js";
import { CertificateRepository } from "../../../src/core/certificate-repository.js";
import { DependencyError } from "../../../src/core/errors.js";
import { createIntermediateCertificateAuthority } from "../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../src/core/issuance/create-root-certificate-authority.js";
import { issueDeviceCertificate } from "../../../src/core/issuance/issue-device-certificate.js";
import type { IssuanceContext } from "../../../src/core/issuance/issued-certificate.js";
import type { CertificateAuthorityKeyAlgorithm } from "../../../src/core/key-algorithms.js";
import { publishCertificateRevocationList } from "../../../src/core/revocation/publish-certificate-revocation-list.js";
import { SoftwareCaKeyCustody } from "../../../src/core/software-ca-key-custody.js";
import { problemFor } from "../../../src/http/problem.js";
import { opensslVerify } from "../../support/openssl.js";
import { type RecordingServer, startRecordingServer } from "../../support/recording-http-server.js";
import { MemoryObjectStore } from "../../support/storage/memory-object-store.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";

const STACK = "iot-certs-test";
const kms = mockClient(KMSClient);

/** Local private keys standing in for KMS keys, by ARN. */
let keys: Map<string, { privateKey: KeyObject; algorithm: CertificateAuthorityKeyAlgorithm }>;
let nextKey = 0;

const arnOf = (id: number) =>
  `arn:aws:kms:eu-north-1:123456789012:key/00000000-0000-4000-8000-${String(id).padStart(12, "0")}`;

function localKey(algorithm: CertificateAuthorityKeyAlgorithm): KeyObject {
  if (algorithm.startsWith("RSA-")) {
    return generateKeyPairSync("rsa", { modulusLength: Number(algorithm.slice(4)) }).privateKey;
  }
  return generateKeyPairSync("ec", { namedCurve: algorithm === "EC-P256" ? "prime256v1" : "secp384r1" }).privateKey;
}

const SPEC_ALGORITHM: Record<string, CertificateAuthorityKeyAlgorithm> = {
  RSA_2048: "RSA-2048",
  RSA_3072: "RSA-3072",
  RSA_4096: "RSA-4096",
  ECC_NIST_P256: "EC-P256",
  ECC_NIST_P384: "EC-P384",
};

/** DigestInfo prefixes (RFC 8017 §9.2 note 1): what RSASSA-PKCS1-v1_5 signs around a digest. */
const DIGEST_INFO = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
};

/** Signs as KMS does: RAW hashes the message; DIGEST signs the given digest. ECDSA comes back DER-encoded. */
function kmsSign(input: SignCommandInput): Uint8Array {
  const key = keys.get(input.KeyId as string);
  if (!key) throw new Error(`no key ${input.KeyId}`);
  const hash = input.SigningAlgorithm === "ECDSA_SHA_384" ? "sha384" : "sha256";
  const message = Buffer.from(input.Message as Uint8Array);
  if (input.MessageType === "RAW") {
    if (message.length > 4096) throw new Error("KMS refuses RAW messages over 4,096 bytes");
    return sign(hash, message, { key: key.privateKey, dsaEncoding: "der" });
  }
  if (!key.algorithm.startsWith("RSA-")) throw new Error("this fake signs DIGEST with RSA keys only");
  return privateEncrypt(
    { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([DIGEST_INFO[hash], message]),
  );
}

function fakeKms(): void {
  kms.on(CreateKeyCommand).callsFake((input) => {
    const arn = arnOf(++nextKey);
    const algorithm = SPEC_ALGORITHM[input.KeySpec] as CertificateAuthorityKeyAlgorithm;
    keys.set(arn, { privateKey: localKey(algorithm), algorithm });
    return { KeyMetadata: { Arn: arn, KeyId: arn.split("/")[1] } };
  });
  kms.on(CreateAliasCommand).resolves({});
  kms.on(DeleteAliasCommand).resolves({});
  kms.on(ScheduleKeyDeletionCommand).resolves({});
  kms.on(GetPublicKeyCommand).callsFake((input) => {
    const key = keys.get(input.KeyId);
    return { PublicKey: createPublicKey(key?.privateKey as KeyObject).export({ type: "spki", format: "der" }) };
  });
  kms.on(SignCommand).callsFake(async (input) => ({ Signature: kmsSign(input) }));
}

let store: MemoryObjectStore;

beforeEach(() => {
  // DependencyErrors are logged by problemFor; the assertions read the problem itself.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
let repository: CertificateRepository;
let custody: KmsCaKeyCustody;
let context: IssuanceContext;
const warnings: string[] = [];

beforeEach(() => {
  kms.reset();
  keys = new Map();
  warnings.length = 0;
  fakeKms();
  store = new MemoryObjectStore();
  repository = new CertificateRepository(store);
  custody = new KmsCaKeyCustody(new KMSClient({ region: "eu-north-1" }), {
    stackName: STACK,
    warn: (message) => warnings.push(message),
  });
  context = {
    caKeys: caKeyCustodies({ software: new SoftwareCaKeyCustody(repository), kms: custody, defaultStorage: "kms" }),
  };
});

const written = () => [...store.objects.keys()];
const bodies = () => [...store.objects.values()].map((object) => object.body).join("\n");

describe("KmsCaKeyCustody.createKey", () => {
  it("creates a tagged SIGN_VERIFY key, then its alias, and certifies the key GetPublicKey returns", async () => {
    const { record } = await createRootCertificateAuthority(
      { name: "lab", keyAlgorithm: "EC-P384" },
      repository,
      context,
    );
    const arn = arnOf(nextKey);
    expect(kms).toHaveReceivedCommandTimes(CreateKeyCommand, 1);
    expect(kms.commandCalls(CreateKeyCommand)[0]?.args[0].input).toEqual({
      KeyUsage: "SIGN_VERIFY",
      KeySpec: "ECC_NIST_P384",
      Description: `root CA 'lab' of ${STACK} (IoT certificates)`,
      Tags: [
        { TagKey: "iot-certificates:stack", TagValue: STACK },
        { TagKey: "iot-certificates:ca-kind", TagValue: "root" },
        { TagKey: "iot-certificates:ca-name", TagValue: "lab" },
      ],
    });
    expect(kms.commandCalls(CreateAliasCommand)[0]?.args[0].input).toEqual({
      AliasName: `alias/${STACK}/root/lab`,
      TargetKeyId: arn,
    });
    expect(kms.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input)).toEqual([{ KeyId: arn }]);
    // One signature: the root's own certificate, ECDSA_SHA_384 over its TBSCertificate.
    expect(kms.commandCalls(SignCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: arn, Message: expect.any(Uint8Array), MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_384" },
    ]);
    expect(record).toMatchObject({ key_storage: "kms", kms_key_arn: arn, key_algorithm: "EC-P384" });
    expect(opensslVerify({ trusted: record.certificate, certificate: record.certificate }).ok).toBe(true);
    // The certificate holds KMS's public key.
    const publicKey = createPublicKey(keys.get(arn)?.privateKey as KeyObject).export({ format: "pem", type: "spki" });
    expect(createPublicKey(record.certificate).export({ format: "pem", type: "spki" })).toBe(publicKey);
    // No private key written anywhere.
    expect(written()).toEqual([
      `root_ca/lab/${record.serial_number}/certificate.pem`,
      "root_ca/lab/ca.json",
      expect.stringMatching(/^inventory\/root\/lab~/),
    ]);
    expect(bodies()).not.toContain("PRIVATE KEY");
  });

  it.each([
    ["RSA-2048", "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"],
    ["RSA-3072", "RSA_3072", "RSASSA_PKCS1_V1_5_SHA_256"],
    ["EC-P256", "ECC_NIST_P256", "ECDSA_SHA_256"],
  ] as const)("maps %s to KeySpec %s and signs with %s", async (keyAlgorithm, keySpec, signingAlgorithm) => {
    const { record } = await createRootCertificateAuthority({ name: "lab", keyAlgorithm }, repository, context);
    expect(kms.commandCalls(CreateKeyCommand)[0]?.args[0].input.KeySpec).toBe(keySpec);
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input.SigningAlgorithm).toBe(signingAlgorithm);
    expect(opensslVerify({ trusted: record.certificate, certificate: record.certificate }).ok).toBe(true);
  });

  it("moves an alias left by an earlier failed attempt to the new key", async () => {
    kms
      .on(CreateAliasCommand)
      .rejectsOnce(new AlreadyExistsException({ message: "alias exists", $metadata: {} }))
      .resolves({});
    const { record } = await createRootCertificateAuthority(
      { name: "lab", keyAlgorithm: "EC-P256" },
      repository,
      context,
    );
    expect(kms.commandCalls(DeleteAliasCommand).map((call) => call.args[0].input)).toEqual([
      { AliasName: `alias/${STACK}/root/lab` },
    ]);
    expect(kms.commandCalls(CreateAliasCommand).map((call) => call.args[0].input)).toEqual([
      { AliasName: `alias/${STACK}/root/lab`, TargetKeyId: record.kms_key_arn },
      { AliasName: `alias/${STACK}/root/lab`, TargetKeyId: record.kms_key_arn },
    ]);
    expect(kms).not.toHaveReceivedCommand(ScheduleKeyDeletionCommand);
  });

  it("on a lost race removes its alias and schedules its key's deletion; the winner is untouched", async () => {
    store.beforePut = async (key) => {
      if (key === "root_ca/lab/ca.json" && !store.objects.has(key)) {
        store.objects.set(key, {
          body: JSON.stringify({ kind: "root", subject_id: "lab" }),
          contentType: "application/json",
        });
      }
    };
    const attempt = createRootCertificateAuthority({ name: "lab", keyAlgorithm: "EC-P256" }, repository, context);
    await expect(attempt).rejects.toMatchObject({ name: "ConflictError" });
    const arn = arnOf(nextKey);
    expect(kms.commandCalls(DeleteAliasCommand).map((call) => call.args[0].input)).toEqual([
      { AliasName: `alias/${STACK}/root/lab` },
    ]);
    expect(kms.commandCalls(ScheduleKeyDeletionCommand).map((call) => call.args[0].input)).toEqual([
      { KeyId: arn, PendingWindowInDays: 7 },
    ]);
    expect(written()).toEqual(["root_ca/lab/ca.json"]);
  });

  it("a disabled key (KMSInvalidStateException on Sign) is a 503 with a clear message, writes nothing and schedules the key's deletion", async () => {
    kms
      .on(SignCommand)
      .rejects(new KMSInvalidStateException({ message: "key is disabled", $metadata: { httpStatusCode: 400 } }));
    const attempt = createRootCertificateAuthority({ name: "lab", keyAlgorithm: "EC-P256" }, repository, context);
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyError);
    const problem = problemFor(error);
    expect(problem.status).toBe(503);
    expect(problem.detail).toContain(`KMS Sign with key ${arnOf(nextKey)} failed (400 KMSInvalidStateException)`);
    expect(problem.detail).toContain("disabled or pending deletion");
    expect(written()).toEqual([]);
    expect(kms).toHaveReceivedCommandWith(ScheduleKeyDeletionCommand, { KeyId: arnOf(nextKey) });
  });

  it("Ed25519 is refused naming key_algorithm before any KMS call", async () => {
    const attempt = createRootCertificateAuthority({ name: "lab", keyAlgorithm: "Ed25519" }, repository, context);
    await expect(attempt).rejects.toMatchObject({ name: "InvalidRequestError", field: "key_algorithm" });
    expect(kms.calls()).toHaveLength(0);
  });
});

describe("KmsSigner", () => {
  it("signs a message over 4,096 bytes as its SHA-256 DIGEST, and the signature verifies over the whole message", async () => {
    const arn = arnOf(++nextKey);
    const privateKey = localKey("RSA-2048");
    keys.set(arn, { privateKey, algorithm: "RSA-2048" });
    const signer = new KmsSigner(new KMSClient({ region: "eu-north-1" }), arn, "RSA-2048");
    const message = new Uint8Array(4097).map((_, index) => index % 251);
    const signature = await signer.sign(message);
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toEqual({
      KeyId: arn,
      Message: createHash("sha256").update(message).digest(),
      MessageType: "DIGEST",
      SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256",
    });
    expect(verify("sha256", message, createPublicKey(privateKey), signature)).toBe(true);
  });

  it("signs exactly 4,096 bytes RAW", async () => {
    const arn = arnOf(++nextKey);
    const privateKey = localKey("EC-P256");
    keys.set(arn, { privateKey, algorithm: "EC-P256" });
    const message = new Uint8Array(4096).fill(7);
    const signature = await new KmsSigner(new KMSClient({ region: "eu-north-1" }), arn, "EC-P256").sign(message);
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toEqual({
      KeyId: arn,
      Message: message,
      MessageType: "RAW",
      SigningAlgorithm: "ECDSA_SHA_256",
    });
    // DER ECDSA-Sig-Value, as X.509 carries it.
    expect(signature[0]).toBe(0x30);
    expect(verify("sha256", message, { key: createPublicKey(privateKey), dsaEncoding: "der" }, signature)).toBe(true);
  });

  it("a disabled key (DisabledException) names the key and what to do", async () => {
    kms.on(SignCommand).rejects(new DisabledException({ message: "disabled", $metadata: { httpStatusCode: 400 } }));
    const signer = new KmsSigner(new KMSClient({ region: "eu-north-1" }), arnOf(99), "EC-P256");
    await expect(signer.sign(new Uint8Array(8))).rejects.toThrow(
      `KMS Sign with key ${arnOf(99)} failed (400 DisabledException): the CA's KMS key is disabled or pending deletion`,
    );
  });
});

describe("mixed hierarchies and CRLs", () => {
  it("a KMS root over an S3 intermediate, and an S3 root over a KMS intermediate, issue chains openssl accepts", async () => {
    const kmsRoot = await createRootCertificateAuthority(
      { name: "kmsroot", keyAlgorithm: "RSA-2048" },
      repository,
      context,
    );
    const s3Intermediate = await createIntermediateCertificateAuthority(
      { name: "s3int", issuer: "kmsroot", keyAlgorithm: "EC-P256", keyStorage: "s3" },
      repository,
      context,
    );
    const s3Root = await createRootCertificateAuthority(
      { name: "s3root", keyAlgorithm: "EC-P256", keyStorage: "s3" },
      repository,
      context,
    );
    const kmsIntermediate = await createIntermediateCertificateAuthority(
      { name: "kmsint", issuer: "s3root", keyAlgorithm: "EC-P256" },
      repository,
      context,
    );
    expect(s3Intermediate.record.key_storage).toBe("s3");
    expect(kmsIntermediate.record).toMatchObject({ key_storage: "kms", kms_key_arn: expect.stringContaining(":key/") });
    expect(written().filter((key) => key.endsWith("private_key.pem"))).toEqual([
      `intermediate_ca/s3int/${s3Intermediate.record.serial_number}/private_key.pem`,
      `root_ca/s3root/${s3Root.record.serial_number}/private_key.pem`,
    ]);
    for (const [root, intermediate] of [
      [kmsRoot, s3Intermediate],
      [s3Root, kmsIntermediate],
    ] as const) {
      const device = await issueDeviceCertificate(
        { issuer: intermediate.record.subject_id, keyAlgorithm: "EC-P256" },
        repository,
        context,
      );
      const verified = opensslVerify({
        trusted: root.record.certificate,
        untrusted: intermediate.record.certificate,
        certificate: device.record.certificate,
        purpose: "sslclient",
      });
      expect(verified.output).toContain("OK");
      expect(verified.ok).toBe(true);
    }
  });

  it("a CRL over 4,096 bytes is signed as a DIGEST, and openssl crl -verify accepts it", async () => {
    const { record } = await createRootCertificateAuthority(
      { name: "big", keyAlgorithm: "RSA-2048" },
      repository,
      context,
    );
    for (let index = 0; index < 150; index++) {
      await repository.addRevocation(
        { kind: "root", name: "big" },
        {
          kind: "intermediate",
          serial_number: `4${index.toString(16).padStart(31, "0")}`,
          subject_id: `gone-${index}`,
          reason: "keyCompromise",
          revoked_at: "2026-01-01T00:00:00.000Z",
        },
      );
    }
    kms.resetHistory();
    const crl = await publishCertificateRevocationList({ kind: "root", name: "big" }, repository, context);
    const [sign] = kms.commandCalls(SignCommand);
    expect(sign?.args[0].input).toMatchObject({ MessageType: "DIGEST", SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" });
    expect(sign?.args[0].input.Message).toHaveLength(32);
    const directory = temporaryDirectory("iot-certs-kms-crl-");
    try {
      writeFileSync(join(directory.path, "crl.pem"), crl);
      writeFileSync(join(directory.path, "ca.pem"), record.certificate);
      const result = spawnSync(
        "openssl",
        ["crl", "-in", join(directory.path, "crl.pem"), "-CAfile", join(directory.path, "ca.pem"), "-noout"],
        { encoding: "utf8" },
      );
      expect(result.stderr).toContain("verify OK");
      expect(Buffer.from(crl.replace(/-----[^-]+-----|\s/g, ""), "base64").length).toBeGreaterThan(4096);
    } finally {
      directory.remove();
    }
  });

  it("a CRL of a KMS CA is signed by kms:Sign", async () => {
    await createRootCertificateAuthority({ name: "lab", keyAlgorithm: "RSA-2048" }, repository, context);
    kms.resetHistory();
    const crl = await publishCertificateRevocationList({ kind: "root", name: "lab" }, repository, context);
    expect(crl).toContain("BEGIN X509 CRL");
    expect(kms).toHaveReceivedCommandTimes(SignCommand, 1);
    expect(kms).not.toHaveReceivedCommand(GetPublicKeyCommand);
  });
});

describe("KmsSigner on the SDK's retries (a scripted KMS endpoint)", () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("retries a ThrottlingException with the SDK's backoff and returns the signature", async () => {
    kms.restore();
    try {
      const signature = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
      server.script([
        {
          status: 400,
          headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "ThrottlingException" },
          body: JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }),
        },
        {
          status: 200,
          headers: { "Content-Type": "application/x-amz-json-1.1" },
          body: JSON.stringify({
            KeyId: arnOf(1),
            Signature: signature.toString("base64"),
            SigningAlgorithm: "ECDSA_SHA_256",
          }),
        },
      ]);
      const client = new KMSClient({
        region: "eu-north-1",
        endpoint: server.endpoint,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
      const result = await new KmsSigner(client, arnOf(1), "EC-P256").sign(new Uint8Array([1, 2, 3]));
      expect(Buffer.from(result)).toEqual(signature);
      expect(server.requests).toHaveLength(2);
      expect(server.requests.map((request) => request.headers["x-amz-target"])).toEqual([
        "TrentService.Sign",
        "TrentService.Sign",
      ]);
      expect(JSON.parse(server.requests[1]?.body.toString() ?? "{}")).toEqual({
        KeyId: arnOf(1),
        Message: "AQID",
        MessageType: "RAW",
        SigningAlgorithm: "ECDSA_SHA_256",
      });
      client.destroy();
    } finally {
      mockClient(KMSClient);
    }
  });
});
