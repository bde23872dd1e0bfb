/**
 * IotRegistry for local development: records what AWS IoT Core would hold as
 * JSON files under `iot/` in the local store, and checks what IoT checks
 * (a `DEFAULT` mode verification certificate signed by the CA with the
 * registration code as its CN, a device certificate signed by a registered
 * CA, one registration per certificate), answering with IoT's error codes.
 * Ids are IoT's (the SHA-256 of the certificate's DER); ARNs are IoT-shaped
 * in the `local` region. The store never overwrites, so a status change is a
 * new object beside the certificate's and the newest one counts.
 *
 * ```
 * iot/registration_code                         the account's registration code (made once)
 * iot/ca_certificates/<id>.json                 a registered CA
 * iot/certificates/<id>.json                    a registered device certificate
 * iot/certificate_status/<id>/<time>~<uuid>     (JSON) a status change (time: 20261203T175716504Z)
 * iot/things/<thing name>.json
 * iot/thing_principals/<thing name>/<id>.json
 * iot/policy_principals/<policy name>/<id>.json
 * ```
 *
 * Names go into keys with every character but `A-Za-z0-9_-` written `~<hex>`
 * (`:` in a thing name, `+=,.@` in a policy name), which the local directory
 * store accepts as file names.
 */
import { randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { IotServiceError } from "../core/errors.js";
import { iotCertificateId } from "../core/iot/iot-certificate-id.js";
import { IOT_POLICY_NAME_PATTERN, IOT_THING_NAME_PATTERN } from "../core/names.js";
import type {
  IotCaCertificateDescription,
  IotCaRegistrationRequest,
  IotCertificateRef,
  IotCertificateStatus,
  IotDeviceRegistrationRequest,
  IotRegistry,
  ObjectStore,
} from "../core/ports.js";

/** The ARN prefix of everything the stand-in registers. */
export const LOCAL_IOT_ARN_PREFIX = "arn:aws:iot:local:000000000000:";

/** The provisioning role the local server names when a request names none: the stand-in assumes no role. */
export const LOCAL_IOT_PROVISIONING_ROLE_ARN = "arn:aws:iam::000000000000:role/local-iot-provisioning";

/** The data endpoint the stand-in reports: there is no broker behind it (run Mosquitto locally instead). */
export const LOCAL_IOT_DATA_ENDPOINT = "local-ats.iot.localhost";

const JSON_TYPE = "application/json";

interface StoredCertificate {
  certificate_id: string;
  certificate_arn: string;
  certificate_pem: string;
  status: IotCertificateStatus;
  ca_certificate_id?: string;
  certificate_mode: "DEFAULT" | "SNI_ONLY";
  registered_at: string;
}

export class LocalIotRegistry implements IotRegistry {
  constructor(private readonly store: ObjectStore) {}

  async dataEndpoint(): Promise<string> {
    return LOCAL_IOT_DATA_ENDPOINT;
  }

  async registrationCode(): Promise<string> {
    const key = "iot/registration_code";
    // A 64-hex-digit code, as IoT's; made once, then the same for every call (a lost race reads the winner's).
    await this.store.putIfAbsent(key, randomBytes(32).toString("hex"), "text/plain");
    const code = await this.store.get(key);
    if (code === undefined) throw new Error("the local IoT registration code is missing");
    return code;
  }

  async registerCaCertificate(request: IotCaRegistrationRequest): Promise<IotCertificateRef & { status: string }> {
    const ca = parseCertificate(request.caCertificatePem, "caCertificate");
    if (request.mode === "DEFAULT") {
      if (request.verificationCertificatePem === undefined) {
        throw new IotServiceError("InvalidRequestException", "DEFAULT mode needs a verification certificate");
      }
      const verification = parseCertificate(request.verificationCertificatePem, "verificationCertificate");
      const code = await this.registrationCode();
      if (!verification.subject.split("\n").includes(`CN=${code}`)) {
        throw new IotServiceError(
          "CertificateValidationException",
          "the verification certificate's CN is not this account's registration code",
        );
      }
      if (!verification.verify(ca.publicKey)) {
        throw new IotServiceError(
          "CertificateValidationException",
          "the verification certificate is not signed by the CA certificate's key",
        );
      }
    } else if (request.verificationCertificatePem !== undefined) {
      throw new IotServiceError("InvalidRequestException", "SNI_ONLY mode takes no verification certificate");
    }
    const id = certificateId(request.caCertificatePem);
    const certificateArn = `${LOCAL_IOT_ARN_PREFIX}cacert/${id}`;
    const status = request.setAsActive ? "ACTIVE" : "INACTIVE";
    const record = {
      certificate_id: id,
      certificate_arn: certificateArn,
      certificate_pem: request.caCertificatePem,
      status,
      certificate_mode: request.mode,
      auto_registration_status: request.allowAutoRegistration ? "ENABLE" : "DISABLE",
      ...(request.registrationConfig ? { registration_config: request.registrationConfig } : {}),
      tags: request.tags,
      registered_at: new Date().toISOString(),
    };
    if (!(await this.store.putIfAbsent(`iot/ca_certificates/${id}.json`, toJson(record), JSON_TYPE))) {
      throw new IotServiceError(
        "ResourceAlreadyExistsException",
        `the CA certificate ${id} is already registered`,
        undefined,
        {
          resourceId: id,
          resourceArn: certificateArn,
        },
      );
    }
    return { certificateId: id, certificateArn, status };
  }

  async describeCaCertificate(certificateId: string): Promise<IotCaCertificateDescription | undefined> {
    if (!/^[0-9a-f]{64}$/.test(certificateId)) return undefined;
    const body = await this.store.get(`iot/ca_certificates/${certificateId}.json`);
    if (body === undefined) return undefined;
    const ca = JSON.parse(body) as {
      certificate_id: string;
      certificate_arn: string;
      status: string;
      certificate_mode: "DEFAULT" | "SNI_ONLY";
      auto_registration_status: "ENABLE" | "DISABLE";
      registration_config?: { templateBody: string; roleArn: string };
    };
    return {
      certificateId: ca.certificate_id,
      certificateArn: ca.certificate_arn,
      status: ca.status,
      mode: ca.certificate_mode,
      allowAutoRegistration: ca.auto_registration_status === "ENABLE",
      ...(ca.registration_config ? { registrationConfig: ca.registration_config } : {}),
    };
  }

  async registerCertificate(request: IotDeviceRegistrationRequest): Promise<IotCertificateRef> {
    const certificate = parseCertificate(request.certificatePem, "certificatePem");
    let caCertificateId: string | undefined;
    let mode: "DEFAULT" | "SNI_ONLY" = "SNI_ONLY";
    if (request.caCertificatePem !== undefined) {
      caCertificateId = certificateId(request.caCertificatePem);
      const ca = await this.store.get(`iot/ca_certificates/${caCertificateId}.json`);
      if (ca === undefined) {
        throw new IotServiceError("CertificateValidationException", "the CA certificate is not registered");
      }
      if (!certificate.verify(parseCertificate(request.caCertificatePem, "caCertificatePem").publicKey)) {
        throw new IotServiceError("CertificateValidationException", "the certificate is not signed by the CA");
      }
      mode = (JSON.parse(ca) as { certificate_mode: "DEFAULT" | "SNI_ONLY" }).certificate_mode;
    }
    const id = certificateId(request.certificatePem);
    const certificateArn = `${LOCAL_IOT_ARN_PREFIX}cert/${id}`;
    const record: StoredCertificate = {
      certificate_id: id,
      certificate_arn: certificateArn,
      certificate_pem: request.certificatePem,
      status: request.status,
      ...(caCertificateId ? { ca_certificate_id: caCertificateId } : {}),
      certificate_mode: mode,
      registered_at: new Date().toISOString(),
    };
    if (!(await this.store.putIfAbsent(`iot/certificates/${id}.json`, toJson(record), JSON_TYPE))) {
      throw new IotServiceError(
        "ResourceAlreadyExistsException",
        `the certificate ${id} is already registered`,
        undefined,
        {
          resourceId: id,
          resourceArn: certificateArn,
        },
      );
    }
    return { certificateId: id, certificateArn };
  }

  async updateCertificateStatus(certificateId: string, status: IotCertificateStatus): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(certificateId) || !(await this.store.get(`iot/certificates/${certificateId}.json`))) {
      throw new IotServiceError("ResourceNotFoundException", `no certificate ${certificateId} is registered`);
    }
    const change = { certificate_id: certificateId, status, changed_at: new Date().toISOString() };
    // A compact time: key order is time order, and the local directory store takes no ':' in a key.
    const time = change.changed_at.replace(/[-:.]/g, "");
    const key = `iot/certificate_status/${certificateId}/${time}~${randomUUID()}.json`;
    await this.store.putIfAbsent(key, toJson(change), JSON_TYPE);
  }

  /** The certificate's current status (its newest status change, else the one it was registered with). */
  async certificateStatus(certificateId: string): Promise<IotCertificateStatus | undefined> {
    if (!/^[0-9a-f]{64}$/.test(certificateId)) return undefined;
    const body = await this.store.get(`iot/certificates/${certificateId}.json`);
    if (body === undefined) return undefined;
    const changes = await this.store.list(`iot/certificate_status/${certificateId}/`);
    const newest = changes.keys.at(-1);
    const change = newest === undefined ? undefined : await this.store.get(newest);
    return (JSON.parse(change ?? body) as { status: IotCertificateStatus }).status;
  }

  async ensureThing(thingName: string): Promise<{ thingArn: string }> {
    assertName(thingName, IOT_THING_NAME_PATTERN, "thingName");
    const thingArn = `${LOCAL_IOT_ARN_PREFIX}thing/${thingName}`;
    const record = { thing_name: thingName, thing_arn: thingArn, created_at: new Date().toISOString() };
    await this.store.putIfAbsent(`iot/things/${keyPart(thingName)}.json`, toJson(record), JSON_TYPE);
    return { thingArn };
  }

  async attachThingPrincipal(thingName: string, certificateArn: string): Promise<void> {
    assertName(thingName, IOT_THING_NAME_PATTERN, "thingName");
    if (!(await this.store.get(`iot/things/${keyPart(thingName)}.json`))) {
      throw new IotServiceError("ResourceNotFoundException", `no thing named '${thingName}' exists`);
    }
    const id = await this.registeredCertificateId(certificateArn);
    const record = { thing_name: thingName, principal: certificateArn, attached_at: new Date().toISOString() };
    await this.store.putIfAbsent(`iot/thing_principals/${keyPart(thingName)}/${id}.json`, toJson(record), JSON_TYPE);
  }

  async attachPolicy(policyName: string, certificateArn: string): Promise<void> {
    assertName(policyName, IOT_POLICY_NAME_PATTERN, "policyName");
    const id = await this.registeredCertificateId(certificateArn);
    const record = { policy_name: policyName, target: certificateArn, attached_at: new Date().toISOString() };
    await this.store.putIfAbsent(`iot/policy_principals/${keyPart(policyName)}/${id}.json`, toJson(record), JSON_TYPE);
  }

  private async registeredCertificateId(certificateArn: string): Promise<string> {
    const prefix = `${LOCAL_IOT_ARN_PREFIX}cert/`;
    const id = certificateArn.startsWith(prefix) ? certificateArn.slice(prefix.length) : "";
    if (!/^[0-9a-f]{64}$/.test(id) || !(await this.store.get(`iot/certificates/${id}.json`))) {
      throw new IotServiceError("ResourceNotFoundException", `no certificate ${certificateArn} is registered`);
    }
    return id;
  }
}

/** IoT's certificate id: the SHA-256 of the certificate's DER, in lowercase hex. */
export const certificateId = iotCertificateId;

function parseCertificate(pem: string, field: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new IotServiceError("CertificateValidationException", `${field} is not a PEM certificate`);
  }
}

function assertName(name: string, pattern: RegExp, field: string): void {
  if (!pattern.test(name)) {
    throw new IotServiceError("InvalidRequestException", `${field} '${name}' does not match ${pattern.source}`);
  }
}

/** A thing or policy name as one key segment: characters other than `A-Za-z0-9_-` as `~<hex>` (so never `.` or `..`). */
function keyPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, (character) => `~${character.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
