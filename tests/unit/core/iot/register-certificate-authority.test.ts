/**
 * Registering a CA with AWS IoT Core, on the in-memory store with IoT's local
 * stand-in (LocalIotRegistry checks what IoT checks: a DEFAULT mode
 * verification certificate whose CN is the registration code, signed by the
 * CA; one registration per certificate). The verification certificate is
 * proven as users would prove it: `openssl verify` against the CA.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  certificateId,
  LOCAL_IOT_DATA_ENDPOINT,
  LocalIotRegistry,
} from "../../../../src/adapters/local-iot-registry.js";
import { caKeyCustodies } from "../../../../src/core/ca-key-custody.js";
import { ConflictError, InvalidRequestError, IotServiceError, NotFoundError } from "../../../../src/core/errors.js";
import {
  DEFAULT_DEVICE_POLICY,
  DEFAULT_PROVISIONING_TEMPLATE,
} from "../../../../src/core/iot/default-provisioning-template.js";
import { IotRegistrationRecords } from "../../../../src/core/iot/iot-registration-records.js";
import {
  iotCertificateId,
  registerCertificateAuthorityWithIot,
} from "../../../../src/core/iot/register-certificate-authority.js";
import type { Signer } from "../../../../src/core/signer.js";
import { SoftwareCaKeyCustody } from "../../../../src/core/software-ca-key-custody.js";
import { opensslText, opensslVerify } from "../../../support/openssl.js";
import { inspectCertificate } from "../issuance/inspect-certificate.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "../issuance/memory-hierarchy.js";

const DAY = 24 * 60 * 60 * 1000;
const ROLE = "arn:aws:iam::123456789012:role/iot-certificates-IotProvisioningRole";
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, which IoT (not JavaScript) replaces
const THING_NAME = "${iot:Connection.Thing.ThingName}";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

/** A copy of the hierarchy with its IoT stand-in and registration records on the same store. */
function setUp() {
  const local = copyOf(pki);
  const iot = new LocalIotRegistry(local.store);
  const records = new IotRegistrationRecords(local.store);
  const register = (request: Parameters<typeof registerCertificateAuthorityWithIot>[0], context = {}) =>
    registerCertificateAuthorityWithIot(request, local.repository, records, { iot, ...context });
  return { ...local, iot, records, register };
}

/** Keys of the store under `prefix`. */
function keysUnder(store: MemoryHierarchy["store"], prefix: string): string[] {
  return store.keys().filter((key) => key.startsWith(prefix));
}

describe("registerCertificateAuthorityWithIot", () => {
  it("registers an intermediate in SNI_ONLY mode by default, active, and records IoT's answer beside the CA", async () => {
    const { store, iot, records, register } = setUp();
    const registration = await register({ kind: "intermediate", name: "devices" });

    const id = certificateId(pki.devices.record.certificate);
    expect(registration.recovered).toBe(false);
    expect(registration.registrationCode).toBeUndefined();
    expect(registration.verificationCertificatePem).toBeUndefined();
    expect(registration.record).toEqual({
      ca_certificate_id: id,
      ca_certificate_arn: `arn:aws:iot:local:000000000000:cacert/${id}`,
      mode: "SNI_ONLY",
      status: "ACTIVE",
      iot_data_endpoint: LOCAL_IOT_DATA_ENDPOINT,
      allow_auto_registration: false,
      registered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await records.findCa("intermediate", "devices")).toEqual(registration.record);
    expect(keysUnder(store, "iot_registrations/")).toEqual(["iot_registrations/intermediate/devices.json"]);
    // What IoT holds: this CA's PEM, SNI_ONLY, active, no auto-registration.
    expect(await iot.describeCaCertificate(id)).toEqual({
      certificateId: id,
      certificateArn: registration.record.ca_certificate_arn,
      status: "ACTIVE",
      mode: "SNI_ONLY",
      allowAutoRegistration: false,
    });
    const stored = JSON.parse(store.body(`iot/ca_certificates/${id}.json`));
    expect(stored.certificate_pem).toBe(pki.devices.record.certificate);
    expect(stored.tags).toEqual({ "iot-certificates:ca-kind": "intermediate", "iot-certificates:ca-name": "devices" });
    expect(iotCertificateId(pki.devices.record.certificate)).toBe(id);
  });

  it("passes set_as_active false and allow_auto_registration as asked", async () => {
    const { iot, register } = setUp();
    const { record } = await register({
      kind: "root",
      name: "default",
      setAsActive: false,
      allowAutoRegistration: true,
    });
    expect(record).toMatchObject({ status: "INACTIVE", allow_auto_registration: true });
    expect(await iot.describeCaCertificate(record.ca_certificate_id)).toMatchObject({
      status: "INACTIVE",
      allowAutoRegistration: true,
    });
  });

  describe("DEFAULT mode: a verification certificate signed with the CA's key", () => {
    it("for a root: CN is the registration code, `openssl verify` accepts it against the root, valid for a day", async () => {
      const { iot, register } = setUp();
      const before = Date.now();
      const registration = await register({ kind: "root", name: "default", mode: "DEFAULT" });
      const code = await iot.registrationCode();
      const pem = registration.verificationCertificatePem ?? "";

      expect(registration.registrationCode).toBe(code);
      expect(registration.record.mode).toBe("DEFAULT");
      const verification = inspectCertificate(pem);
      expect(verification.subject).toEqual({ CN: [code] });
      expect(opensslText(pem)).toMatch(new RegExp(`Subject: CN ?= ?${code}\\n`));
      expect(opensslVerify({ trusted: pki.root.record.certificate, certificate: pem })).toMatchObject({ ok: true });
      // Not signed by another CA: openssl refuses it against the intermediate as the only anchor.
      expect(opensslVerify({ trusted: pki.devices.record.certificate, certificate: pem }).ok).toBe(false);
      const root = inspectCertificate(pki.root.record.certificate);
      expect(verification.notBefore.getTime()).toBeGreaterThanOrEqual(root.notBefore.getTime());
      expect(verification.notAfter.getTime()).toBeLessThanOrEqual(root.notAfter.getTime());
      expect(verification.notAfter.getTime() - before).toBeGreaterThan(DAY - 60_000);
      expect(verification.notAfter.getTime() - before).toBeLessThanOrEqual(DAY + 1000);
      expect(verification.basicConstraints?.ca).toBe(false);
      // IoT (its stand-in checks CN and signature) holds the CA in DEFAULT mode.
      expect(await iot.describeCaCertificate(registration.record.ca_certificate_id)).toMatchObject({ mode: "DEFAULT" });
    });

    it("for an intermediate: verifies up to the root, through the intermediate", async () => {
      const { iot, register } = setUp();
      const registration = await register({ kind: "intermediate", name: "devices", mode: "DEFAULT" });
      const pem = registration.verificationCertificatePem ?? "";
      expect(inspectCertificate(pem).subject).toEqual({ CN: [await iot.registrationCode()] });
      expect(
        opensslVerify({
          trusted: pki.root.record.certificate,
          untrusted: pki.devices.record.certificate,
          certificate: pem,
        }),
      ).toMatchObject({ ok: true });
      // Signed by `devices`, not by its sibling `servers`.
      expect(
        opensslVerify({
          trusted: pki.root.record.certificate,
          untrusted: pki.servers.record.certificate,
          certificate: pem,
        }).ok,
      ).toBe(false);
    });

    it("never outlives a CA that ends within the day", async () => {
      const shortLived = await createMemoryHierarchy({ intermediateValidityDays: 30 });
      const local = copyOf(shortLived);
      const notAfter = new Date(shortLived.devices.record.not_after);
      const now = new Date(notAfter.getTime() - 2 * 60 * 60 * 1000);
      const registration = await registerCertificateAuthorityWithIot(
        { kind: "intermediate", name: "devices", mode: "DEFAULT" },
        local.repository,
        new IotRegistrationRecords(local.store),
        { iot: new LocalIotRegistry(local.store), clock: () => now },
      );
      const verification = inspectCertificate(registration.verificationCertificatePem ?? "");
      expect(verification.notAfter.toISOString()).toBe(notAfter.toISOString());
      expect(
        opensslVerify({
          trusted: shortLived.root.record.certificate,
          untrusted: shortLived.devices.record.certificate,
          certificate: registration.verificationCertificatePem ?? "",
          extraArgs: ["-attime", String(Math.floor(now.getTime() / 1000) + 60)],
        }),
      ).toMatchObject({ ok: true });
    });

    it("is signed through the deployment's CA key custody (as a KMS CA's is), not a key read on the side", async () => {
      const local = copyOf(pki);
      const software = new SoftwareCaKeyCustody(local.repository);
      const signed: string[] = [];
      const caKeys = caKeyCustodies({
        software: {
          storage: "s3",
          createKey: (params) => software.createKey(params),
          async signerFor(record) {
            const signer = await software.signerFor(record);
            return {
              keyAlgorithm: signer.keyAlgorithm,
              sign: (data) => {
                signed.push(record.subject_id);
                return signer.sign(data);
              },
            } satisfies Signer;
          },
        },
      });
      const registration = await registerCertificateAuthorityWithIot(
        { kind: "root", name: "default", mode: "DEFAULT" },
        local.repository,
        new IotRegistrationRecords(local.store),
        { iot: new LocalIotRegistry(local.store), caKeys },
      );
      expect(signed).toEqual(["default"]);
      expect(
        opensslVerify({
          trusted: pki.root.record.certificate,
          certificate: registration.verificationCertificatePem ?? "",
        }).ok,
      ).toBe(true);
    });
  });

  it("answers 409 naming the existing id on a second registration, before calling IoT", async () => {
    const { store, iot, register } = setUp();
    const first = await register({ kind: "intermediate", name: "devices" });
    const snapshot = store.snapshot();
    const calls = [
      vi.spyOn(iot, "dataEndpoint"),
      vi.spyOn(iot, "registrationCode"),
      vi.spyOn(iot, "registerCaCertificate"),
      vi.spyOn(iot, "describeCaCertificate"),
    ];

    const second = register({ kind: "intermediate", name: "devices", mode: "DEFAULT" });
    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({
      field: "name",
      message: expect.stringContaining(first.record.ca_certificate_id),
    });
    for (const call of calls) expect(call).not.toHaveBeenCalled();
    expect(store.snapshot()).toEqual(snapshot);
  });

  it("writes nothing when IoT refuses, and passes IoT's error on", async () => {
    const { store, iot, register } = setUp();
    const snapshot = store.snapshot();
    vi.spyOn(iot, "registerCaCertificate").mockRejectedValueOnce(
      new IotServiceError("LimitExceededException", "10 CA certificates with this subject are registered already"),
    );
    await expect(register({ kind: "intermediate", name: "devices", mode: "DEFAULT" })).rejects.toMatchObject({
      name: "IotServiceError",
      code: "LimitExceededException",
    });
    // Only the stand-in's registration code (made at the first GetRegistrationCode, as IoT's exists already) is new.
    expect(Object.keys(store.snapshot()).filter((key) => !(key in snapshot))).toEqual(["iot/registration_code"]);
    expect(keysUnder(store, "iot_registrations/")).toEqual([]);
  });

  it("refuses a CA that does not exist, before calling IoT", async () => {
    const { iot, store, register } = setUp();
    const registerSpy = vi.spyOn(iot, "registerCaCertificate");
    await expect(register({ kind: "intermediate", name: "nope" })).rejects.toBeInstanceOf(NotFoundError);
    expect(registerSpy).not.toHaveBeenCalled();
    expect(keysUnder(store, "iot")).toEqual([]);
  });

  describe("consistency: IoT registered the CA, then the record write failed", () => {
    it("a retry does not register twice: it records IoT's registration of this certificate", async () => {
      const { store, iot, records, register } = setUp();
      const failure = new Error("S3 PutObject failed: 503");
      let failures = 1;
      store.beforePut = (key) => {
        if (key.startsWith("iot_registrations/") && failures-- > 0) throw failure;
      };
      const request = {
        kind: "intermediate" as const,
        name: "devices",
        provisioning: { template: "default" as const, roleArn: ROLE },
      };
      await expect(register(request)).rejects.toBe(failure);
      expect(await records.findCa("intermediate", "devices")).toBeUndefined();
      const id = certificateId(pki.devices.record.certificate);
      expect(await iot.describeCaCertificate(id)).toBeDefined();

      const registerSpy = vi.spyOn(iot, "registerCaCertificate");
      const retry = await register(request);
      expect(retry.recovered).toBe(true);
      expect(retry.record).toEqual({
        ca_certificate_id: id,
        ca_certificate_arn: `arn:aws:iot:local:000000000000:cacert/${id}`,
        mode: "SNI_ONLY",
        status: "ACTIVE",
        iot_data_endpoint: LOCAL_IOT_DATA_ENDPOINT,
        allow_auto_registration: true,
        provisioning_template: "default",
        provisioning_role_arn: ROLE,
        registered_at: expect.any(String),
      });
      // IoT refused the retry's registration (it exists); one CA is registered, one record written.
      expect(registerSpy).toHaveBeenCalledTimes(1);
      await expect(registerSpy.mock.results[0]?.value).rejects.toMatchObject({
        code: "ResourceAlreadyExistsException",
      });
      expect(keysUnder(store, "iot/ca_certificates/")).toEqual([`iot/ca_certificates/${id}.json`]);
      expect(await records.findCa("intermediate", "devices")).toEqual(retry.record);

      // From then on: 409 naming the id.
      await expect(register(request)).rejects.toMatchObject({
        name: "ConflictError",
        message: expect.stringContaining(id),
      });
    });

    it("records what IoT holds (its mode and status), not what the retry asked for", async () => {
      const { iot, register } = setUp();
      // Registered elsewhere (e.g. the console), in DEFAULT mode and inactive.
      vi.spyOn(iot, "describeCaCertificate").mockResolvedValueOnce({
        certificateId: certificateId(pki.devices.record.certificate),
        certificateArn: "arn:aws:iot:eu-west-1:123456789012:cacert/x",
        status: "INACTIVE",
        mode: "DEFAULT",
        allowAutoRegistration: false,
      });
      vi.spyOn(iot, "registerCaCertificate").mockRejectedValueOnce(
        new IotServiceError("ResourceAlreadyExistsException", "The certificate is already provisioned or registered"),
      );
      const { record, recovered } = await register({ kind: "intermediate", name: "devices" });
      expect(recovered).toBe(true);
      expect(record).toMatchObject({
        ca_certificate_arn: "arn:aws:iot:eu-west-1:123456789012:cacert/x",
        status: "INACTIVE",
        mode: "DEFAULT",
        allow_auto_registration: false,
      });
      expect(record.provisioning_template).toBeUndefined();
      expect(iot.describeCaCertificate).toHaveBeenCalledWith(certificateId(pki.devices.record.certificate));
    });

    it("passes ResourceAlreadyExistsException on when IoT holds no CA with this certificate's id", async () => {
      const { store, iot, register } = setUp();
      vi.spyOn(iot, "registerCaCertificate").mockRejectedValueOnce(
        new IotServiceError("ResourceAlreadyExistsException", "something else exists"),
      );
      await expect(register({ kind: "root", name: "default" })).rejects.toMatchObject({
        code: "ResourceAlreadyExistsException",
      });
      expect(keysUnder(store, "iot_registrations/")).toEqual([]);
    });
  });

  describe("just-in-time provisioning", () => {
    it('"default": the shipped template as JSON text, the deployment\'s role, auto-registration on', async () => {
      const { store, register } = setUp();
      const { record } = await register(
        { kind: "intermediate", name: "devices", provisioning: { template: "default" } },
        { defaultProvisioningRoleArn: ROLE },
      );
      expect(record).toMatchObject({
        allow_auto_registration: true,
        provisioning_template: "default",
        provisioning_role_arn: ROLE,
      });
      const stored = JSON.parse(store.body(`iot/ca_certificates/${record.ca_certificate_id}.json`));
      expect(stored.auto_registration_status).toBe("ENABLE");
      expect(stored.registration_config.roleArn).toBe(ROLE);
      expect(typeof stored.registration_config.templateBody).toBe("string");
      const template = JSON.parse(stored.registration_config.templateBody);
      expect(template).toEqual(DEFAULT_PROVISIONING_TEMPLATE);
      // The thing is named after the certificate's CN; the certificate is activated.
      expect(template.Resources.thing.Properties.ThingName).toEqual({ Ref: "AWS::IoT::Certificate::CommonName" });
      expect(template.Resources.certificate.Properties).toEqual({
        CertificateId: { Ref: "AWS::IoT::Certificate::Id" },
        Status: "ACTIVE",
      });
      // The device policy: connect only as its own thing, topics only under its own name.
      const policy = JSON.parse(template.Resources.policy.Properties.PolicyDocument);
      expect(policy).toEqual(DEFAULT_DEVICE_POLICY);
      expect(policy.Statement).toEqual([
        {
          Effect: "Allow",
          Action: "iot:Connect",
          Resource: `arn:aws:iot:*:*:client/${THING_NAME}`,
          Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
        },
        {
          Effect: "Allow",
          Action: ["iot:Publish", "iot:Receive"],
          Resource: `arn:aws:iot:*:*:topic/things/${THING_NAME}/*`,
        },
        {
          Effect: "Allow",
          Action: "iot:Subscribe",
          Resource: `arn:aws:iot:*:*:topicfilter/things/${THING_NAME}/*`,
        },
      ]);
    });

    it("a template of your own is passed as JSON text, with the request's role over the deployment's", async () => {
      const { store, register } = setUp();
      const template = {
        Parameters: { "AWS::IoT::Certificate::Id": { Type: "String" } },
        Resources: {
          certificate: {
            Type: "AWS::IoT::Certificate",
            Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
          },
        },
      };
      const role = "arn:aws:iam::123456789012:role/my-jitp";
      const { record } = await register(
        { kind: "root", name: "default", provisioning: { template, roleArn: role }, allowAutoRegistration: false },
        { defaultProvisioningRoleArn: ROLE },
      );
      expect(record).toMatchObject({
        provisioning_template: "custom",
        provisioning_role_arn: role,
        allow_auto_registration: false,
      });
      const stored = JSON.parse(store.body(`iot/ca_certificates/${record.ca_certificate_id}.json`));
      expect(stored.registration_config).toEqual({ templateBody: JSON.stringify(template), roleArn: role });
      expect(stored.auto_registration_status).toBe("DISABLE");
    });

    it("without a role (none asked, none deployed): 400 naming provisioning.role_arn, nothing called or written", async () => {
      const { store, iot, register } = setUp();
      const snapshot = store.snapshot();
      const calls = [vi.spyOn(iot, "dataEndpoint"), vi.spyOn(iot, "registerCaCertificate")];
      const attempt = register({ kind: "intermediate", name: "devices", provisioning: { template: "default" } });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(attempt).rejects.toMatchObject({ field: "provisioning.role_arn" });
      for (const call of calls) expect(call).not.toHaveBeenCalled();
      expect(store.snapshot()).toEqual(snapshot);
    });

    it("refuses a template longer than IoT takes (10,240 characters), naming provisioning.template", async () => {
      const { register } = setUp();
      const template = { Resources: {}, Padding: "x".repeat(10_300) };
      await expect(
        register({ kind: "root", name: "default", provisioning: { template, roleArn: ROLE } }),
      ).rejects.toMatchObject({ name: "InvalidRequestError", field: "provisioning.template" });
    });
  });
});
