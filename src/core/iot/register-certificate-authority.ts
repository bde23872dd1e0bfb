/**
 * Registers a root or intermediate CA of this service with AWS IoT Core
 * (through the IotRegistry port), so devices whose certificates it signed can
 * connect to IoT Core, and remembers the registration beside the CA's record.
 *
 * In `DEFAULT` mode IoT wants proof that the caller holds the CA's key: a
 * verification certificate whose subject CN is the account's registration
 * code, signed by the CA. This service holds the key, so it makes one here,
 * valid for a day (never beyond the CA), for a fresh key pair it then forgets,
 * signed through the CA's key custody like any other certificate (a KMS CA
 * signs with kms:Sign). `SNI_ONLY` (the default, as AWS recommends) needs no
 * proof; devices then send SNI when they connect.
 *
 * Order and consistency:
 * 1. a registration already recorded answers 409 with its id, before any call to IoT;
 * 2. the data endpoint, the registration code and the verification certificate
 *    come before the one call that registers, so none of their failures
 *    leaves anything registered;
 * 3. `RegisterCACertificate`; IoT's refusal (an IotServiceError) writes nothing;
 * 4. the record, with a create-only write.
 *
 * If step 4 fails after IoT registered the CA, the retry's step 3 gets
 * `ResourceAlreadyExistsException` for this very certificate: the retry then
 * reads IoT's registration of it (`DescribeCACertificate`, by IoT's id, the
 * SHA-256 of the certificate's DER) and records that instead of failing
 * forever. The same holds for a CA registered outside this service.
 */
import { createHash } from "node:crypto";
import type { CaKeyCustodies } from "../ca-key-custody.js";
import { buildCertificate, certificatePem, parseCertificate } from "../certificate-builder.js";
import type { CertificateAuthorityKind } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { ConflictError, InvalidRequestError, IotServiceError } from "../errors.js";
import { loadSigningAuthority } from "../issuance/signing-authority.js";
import { generateKeyPair } from "../key-algorithms.js";
import type { IotCaCertificateDescription, IotCaMode, IotRegistry } from "../ports.js";
import { validityPeriod } from "../validity.js";
import {
  DEFAULT_PROVISIONING_TEMPLATE_BODY,
  MAX_PROVISIONING_TEMPLATE_LENGTH,
} from "./default-provisioning-template.js";
import type { IotCaRegistrationRecord, IotRegistrationRecords } from "./iot-registration-records.js";

/** Just-in-time provisioning of the devices this CA signs. */
export interface IotProvisioningRequest {
  /** `default` (DEFAULT_PROVISIONING_TEMPLATE) or a provisioning template body of your own. */
  template: "default" | Record<string, unknown>;
  /** The role IoT assumes to provision; default: the deployment's (`IOT_PROVISIONING_ROLE_ARN`). */
  roleArn?: string | undefined;
}

export interface RegisterCaWithIotRequest {
  kind: CertificateAuthorityKind;
  /** The CA's name. */
  name: string;
  /** Default `SNI_ONLY`. */
  mode?: IotCaMode | undefined;
  /** Default true: IoT accepts the devices it signed at once. */
  setAsActive?: boolean | undefined;
  /** Default false; true when `provisioning` is given (JITP needs it). */
  allowAutoRegistration?: boolean | undefined;
  /** Default: none (devices are registered one by one, or by JITR). */
  provisioning?: IotProvisioningRequest | undefined;
}

export interface IotCaRegistrationContext {
  iot: IotRegistry;
  /** The role of JITP when a request names none; none by default (then a request with `provisioning` must name one). */
  defaultProvisioningRoleArn?: string | undefined;
  /** The moment of registration; `() => new Date()` by default. */
  clock?: (() => Date) | undefined;
  /** WebCrypto for the verification certificate's key pair; Node's by default. */
  crypto?: Crypto | undefined;
  /** Where CA keys are (the verification certificate is signed by the CA's); the software custody by default. */
  caKeys?: CaKeyCustodies | undefined;
}

export interface IotCaRegistration {
  record: IotCaRegistrationRecord;
  /** True when IoT had registered this CA already (an earlier attempt, or outside this service) and that registration was recorded. */
  recovered: boolean;
  /** `DEFAULT` mode: the registration code and the verification certificate (PEM) IoT accepted. */
  registrationCode?: string | undefined;
  verificationCertificatePem?: string | undefined;
}

/** How long a verification certificate is valid: it is used once, right away. */
export const VERIFICATION_CERTIFICATE_VALIDITY_DAYS = 1;

/**
 * Registers the CA `request.name` with AWS IoT Core. NotFoundError when there
 * is no such CA; ConflictError (naming the existing `ca_certificate_id`) when
 * it is registered already; InvalidRequestError for a provisioning request
 * without a role; IotServiceError when IoT refuses (nothing recorded).
 */
export async function registerCertificateAuthorityWithIot(
  request: RegisterCaWithIotRequest,
  repository: CertificateRepository,
  records: IotRegistrationRecords,
  context: IotCaRegistrationContext,
): Promise<IotCaRegistration> {
  const { kind, name } = request;
  const { iot, clock = () => new Date(), crypto = globalThis.crypto } = context;
  const mode = request.mode ?? "SNI_ONLY";
  const setAsActive = request.setAsActive ?? true;
  const allowAutoRegistration = request.allowAutoRegistration ?? request.provisioning !== undefined;
  const provisioning = provisioningConfig(request.provisioning, context.defaultProvisioningRoleArn);

  const ca = await repository.getAuthority(kind, name, "name");
  const existing = await records.findCa(kind, name);
  if (existing) throw alreadyRegistered(kind, name, existing.ca_certificate_id);
  const now = clock();
  if (new Date(ca.not_after).getTime() <= now.getTime()) {
    throw new InvalidRequestError(
      `the ${kind} CA '${name}' expired on ${ca.not_after}; AWS IoT Core does not register an expired CA`,
      "name",
    );
  }

  const endpoint = await iot.dataEndpoint();
  const verification =
    mode === "DEFAULT"
      ? await verificationCertificate(iot, repository, { kind, name, now, crypto, caKeys: context.caKeys })
      : undefined;

  let registered: Pick<IotCaRegistrationRecord, "ca_certificate_id" | "ca_certificate_arn" | "status" | "mode"> &
    Partial<
      Pick<IotCaRegistrationRecord, "allow_auto_registration" | "provisioning_template" | "provisioning_role_arn">
    >;
  let recovered = false;
  try {
    const answer = await iot.registerCaCertificate({
      caCertificatePem: ca.certificate,
      mode,
      verificationCertificatePem: verification?.certificatePem,
      setAsActive,
      allowAutoRegistration,
      registrationConfig: provisioning && { templateBody: provisioning.templateBody, roleArn: provisioning.roleArn },
      tags: { "iot-certificates:ca-kind": kind, "iot-certificates:ca-name": name },
    });
    registered = {
      ca_certificate_id: answer.certificateId,
      ca_certificate_arn: answer.certificateArn,
      status: answer.status,
      mode,
    };
  } catch (error) {
    if (!(error instanceof IotServiceError && error.code === "ResourceAlreadyExistsException")) throw error;
    // IoT holds this very certificate already (its id is the SHA-256 of the DER): record IoT's registration of it.
    const description = await iot.describeCaCertificate(iotCertificateId(ca.certificate));
    if (!description) throw error;
    registered = describedRegistration(description);
    recovered = true;
  }

  const record: IotCaRegistrationRecord = {
    ca_certificate_id: registered.ca_certificate_id,
    ca_certificate_arn: registered.ca_certificate_arn,
    mode: registered.mode,
    status: registered.status,
    iot_data_endpoint: endpoint,
    allow_auto_registration: registered.allow_auto_registration ?? allowAutoRegistration,
    ...(recovered
      ? pickProvisioning(registered)
      : provisioning && { provisioning_template: provisioning.template, provisioning_role_arn: provisioning.roleArn }),
    registered_at: now.toISOString(),
  };
  if (!(await records.createCa(kind, name, record))) {
    // A concurrent registration of the same CA recorded first.
    const winner = await records.findCa(kind, name);
    throw alreadyRegistered(kind, name, winner?.ca_certificate_id ?? record.ca_certificate_id);
  }
  return {
    record,
    recovered,
    ...(verification && !recovered
      ? { registrationCode: verification.registrationCode, verificationCertificatePem: verification.certificatePem }
      : {}),
  };
}

/** IoT's certificate id: the SHA-256 of the certificate's DER, in lowercase hex. */
export function iotCertificateId(pem: string): string {
  return createHash("sha256")
    .update(new Uint8Array(parseCertificate(pem).rawData))
    .digest("hex");
}

function alreadyRegistered(kind: CertificateAuthorityKind, name: string, certificateId: string): ConflictError {
  return new ConflictError(
    `the ${kind} CA '${name}' is already registered with AWS IoT Core as CA certificate ${certificateId}; it was left unchanged`,
    "name",
  );
}

/** The `registrationConfig` of a provisioning request, with its role; InvalidRequestError naming the field at fault. */
function provisioningConfig(
  provisioning: IotProvisioningRequest | undefined,
  defaultRoleArn: string | undefined,
): { template: "default" | "custom"; templateBody: string; roleArn: string } | undefined {
  if (!provisioning) return undefined;
  const roleArn = provisioning.roleArn ?? defaultRoleArn;
  if (!roleArn) {
    throw new InvalidRequestError(
      "provisioning.role_arn is required: name the IAM role AWS IoT Core assumes to provision devices (this deployment sets no IOT_PROVISIONING_ROLE_ARN)",
      "provisioning.role_arn",
    );
  }
  const custom = provisioning.template !== "default";
  const templateBody = custom ? JSON.stringify(provisioning.template) : DEFAULT_PROVISIONING_TEMPLATE_BODY;
  if (templateBody.length > MAX_PROVISIONING_TEMPLATE_LENGTH) {
    throw new InvalidRequestError(
      `provisioning.template must be at most ${MAX_PROVISIONING_TEMPLATE_LENGTH} characters of JSON (AWS IoT Core's limit); got ${templateBody.length}`,
      "provisioning.template",
    );
  }
  return { template: custom ? "custom" : "default", templateBody, roleArn };
}

/** A verification certificate for `DEFAULT` mode: subject CN the registration code, signed by the CA. */
async function verificationCertificate(
  iot: IotRegistry,
  repository: CertificateRepository,
  params: {
    kind: CertificateAuthorityKind;
    name: string;
    now: Date;
    crypto: Crypto;
    caKeys: CaKeyCustodies | undefined;
  },
): Promise<{ registrationCode: string; certificatePem: string }> {
  const { kind, name, now, crypto } = params;
  const [registrationCode, issuer, keys] = await Promise.all([
    iot.registrationCode(),
    loadSigningAuthority(repository, kind, name, { crypto, caKeys: params.caKeys }),
    // A fresh key pair, forgotten once the certificate is signed: IoT only checks the CA's signature and the CN.
    generateKeyPair("EC-P256", crypto),
  ]);
  const validity = validityPeriod({
    now,
    validityDays: VERIFICATION_CERTIFICATE_VALIDITY_DAYS,
    behavior: "truncate",
    issuer: { name, notBefore: issuer.certificate.notBefore, notAfter: issuer.certificate.notAfter },
  });
  const certificate = await buildCertificate(
    {
      kind: "device",
      subject: { commonName: registrationCode },
      subjectPublicKey: keys.publicKey,
      subjectKeyAlgorithm: "EC-P256",
      validity,
    },
    { issuer },
    crypto,
  );
  return { registrationCode, certificatePem: certificatePem(certificate) };
}

function describedRegistration(description: IotCaCertificateDescription) {
  const templateBody = description.registrationConfig?.templateBody;
  const roleArn = description.registrationConfig?.roleArn;
  return {
    ca_certificate_id: description.certificateId,
    ca_certificate_arn: description.certificateArn,
    status: description.status,
    mode: description.mode,
    allow_auto_registration: description.allowAutoRegistration,
    ...(templateBody
      ? {
          provisioning_template: (templateBody === DEFAULT_PROVISIONING_TEMPLATE_BODY ? "default" : "custom") as
            | "default"
            | "custom",
        }
      : {}),
    ...(templateBody && roleArn ? { provisioning_role_arn: roleArn } : {}),
  };
}

function pickProvisioning(
  registered: Partial<Pick<IotCaRegistrationRecord, "provisioning_template" | "provisioning_role_arn">>,
): Partial<Pick<IotCaRegistrationRecord, "provisioning_template" | "provisioning_role_arn">> {
  return {
    ...(registered.provisioning_template ? { provisioning_template: registered.provisioning_template } : {}),
    ...(registered.provisioning_role_arn ? { provisioning_role_arn: registered.provisioning_role_arn } : {}),
  };
}
