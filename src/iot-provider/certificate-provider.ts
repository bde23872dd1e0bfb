/**
 * AWS IoT Core's certificate provider: fleet provisioning by claim, signed by
 * a device intermediate of this project. Not an API Gateway handler: once an
 * `AWS::IoT::CertificateProvider` names this function (template.yaml,
 * parameter `IotCertificateProviderIssuer`), every `CreateCertificateFromCsr`
 * a device sends over MQTT (`$aws/certificates/create-from-csr/json`, while
 * connected with its claim certificate) invokes it, and IoT Core hands the
 * device the certificate it returns.
 *
 * The shapes, from the AWS IoT Core Developer Guide, "Self-managed certificate
 * signing using AWS IoT Core certificate provider"
 * (https://docs.aws.amazon.com/iot/latest/developerguide/provisioning-cert-provider.html),
 * sections "Certificate provider Lambda function input" and "... return value":
 *
 * What IoT Core sends the function (`certificateSigningRequest`: the PEM CSR
 * of the `CreateCertificateFromCsr` request; `principalId`: the principal the
 * device connected with, i.e. its claim certificate; `clientId`: the MQTT
 * client id of that connection):
 *
 * ```json
 * {
 *   "certificateSigningRequest": "string",
 *   "principalId": "string",
 *   "clientId": "string"
 * }
 * ```
 *
 * What the function must return (the signed certificate, PEM), which IoT Core
 * registers and passes back to the device in its `accepted` response:
 *
 * ```json
 * {
 *   "certificatePem": "string"
 * }
 * ```
 *
 * A failure is an error thrown by the function: IoT Core then fails the
 * `CreateCertificateFromCsr` call (the device hears it on `…/rejected`).
 *
 * What this function does: exactly `POST /certificates/device` with a `csr`,
 * issued by the intermediate `CERTIFICATE_PROVIDER_ISSUER` names. The device
 * id is the CSR's CN when it is a valid device id (a random UUID when the CSR
 * has no CN; a CN that is not a valid device id is refused); the certificate
 * is stored and listed in the inventory like any other device certificate,
 * and a `Certificate Issued` event is sent. Only the leaf is returned, as
 * documented: IoT Core and the device's broker know the issuer chain.
 *
 * Logs: one INFO line per certificate signed, one ERROR line per refusal,
 * naming the serial or the reason, the issuer, the device id, the principal
 * and the MQTT client id; never the CSR (the log module also scrubs key
 * material and long base64 from every line).
 */
import { certificateProviderIssuer, certificateRepository, issuanceContext } from "../composition-root.js";
import { InvalidRequestError } from "../core/errors.js";
import { issueDeviceCertificate } from "../core/issuance/issue-device-certificate.js";
import { logError, logInfo, withLogContext } from "../http/log.js";
import { MAX_CSR_LENGTH } from "../http/request-schemas.js";

/** The event IoT Core invokes the function with (developer guide, "Lambda function input"). */
export interface CertificateProviderEvent {
  /** The CSR of the device's `CreateCertificateFromCsr` request, PEM. */
  certificateSigningRequest: string;
  /** The principal (claim certificate) the device is connected with; logged only. */
  principalId?: string;
  /** The MQTT client id of the device's connection; logged only. */
  clientId?: string;
}

/** What the function returns to IoT Core (developer guide, "Lambda function return value"). */
export interface CertificateProviderResponse {
  /** The device certificate, PEM (the leaf only). */
  certificatePem: string;
}

/** Why IoT Core's `CreateCertificateFromCsr` fails: thrown to IoT Core, the reason in the message (never key material). */
export class CertificateProviderRefusal extends Error {
  override readonly name = "CertificateProviderRefusal";
}

/** The part of the Lambda context the function uses. */
interface InvocationContext {
  awsRequestId?: string;
}

export async function handler(event: unknown, context?: InvocationContext): Promise<CertificateProviderResponse> {
  return withLogContext({ requestId: context?.awsRequestId }, async () => {
    const who = connectionOf(event);
    let issuer: string | undefined;
    try {
      issuer = certificateProviderIssuer();
      const csr = signingRequestOf(event);
      const { record } = await issueDeviceCertificate({ csr, issuer }, certificateRepository(), issuanceContext());
      logInfo("certificate provider: device certificate signed for CreateCertificateFromCsr", {
        ...who,
        issuer,
        device_id: record.subject_id,
        serial_number: record.serial_number,
      });
      return { certificatePem: record.certificate };
    } catch (error) {
      logError("certificate provider: CreateCertificateFromCsr refused", error, { ...who, issuer });
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new CertificateProviderRefusal(`CreateCertificateFromCsr refused: ${reason}`, { cause: error });
    }
  });
}

const FIELD = "certificateSigningRequest";

/** The CSR of the event: a PEM certificate request of at most MAX_CSR_LENGTH characters. */
function signingRequestOf(event: unknown): string {
  const csr = (event as Partial<CertificateProviderEvent> | null | undefined)?.certificateSigningRequest;
  if (typeof csr !== "string") {
    throw new InvalidRequestError(
      "the event has no certificateSigningRequest string (the PEM CSR AWS IoT Core passes from CreateCertificateFromCsr)",
      FIELD,
    );
  }
  if (csr.length > MAX_CSR_LENGTH) {
    throw new InvalidRequestError(`${FIELD} must be at most ${MAX_CSR_LENGTH} characters`, FIELD);
  }
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csr)) {
    throw new InvalidRequestError(`${FIELD} must be a PEM certificate request`, FIELD);
  }
  return csr;
}

/** Who asked, for the log: the principal and MQTT client id IoT Core names, cut to a sane length. */
function connectionOf(event: unknown): { principal_id?: string; client_id?: string } {
  const { principalId, clientId } = (event ?? {}) as Partial<Record<"principalId" | "clientId", unknown>>;
  const short = (value: unknown) => (typeof value === "string" ? value.slice(0, 128) : undefined);
  return {
    ...(short(principalId) !== undefined ? { principal_id: short(principalId) } : {}),
    ...(short(clientId) !== undefined ? { client_id: short(clientId) } : {}),
  };
}
