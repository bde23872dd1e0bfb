/**
 * Renewal: a new server or device certificate that keeps the old one's
 * subject, SANs, issuer, key algorithm and EKU (the kind's profile), through
 * the same issuance use cases as a first certificate. The records are
 * linked: the new one `renews` the old, and `renewals/<kind>/<old>~<new>`
 * says who renewed the old one.
 *
 * Key: a new one by default; a CSR (whose names must be the old
 * certificate's); or, with `reuseKey`, the old key again: the service's own
 * copy for a key it generated and still keeps, or a CSR made with that key
 * for a certificate issued for a CSR. A server certificate with a key the
 * service holds is imported into ACM onto the old certificate's ARN, so
 * whatever uses the ARN serves the new certificate with no change of its own.
 *
 * Nothing is written for a request that is refused: unknown (404), revoked
 * or already renewed (409), an impossible validity, CSR or key choice (400).
 * A claim (`renewals/<kind>/<old>.claim`) keeps two renewals of one
 * certificate from both going ahead.
 *
 * AWS IoT Core (with `context.iot`): when the old device certificate is
 * registered there, the new one is registered the same way (with or without
 * its CA, on the same thing and policy, ACTIVE) once it is stored and linked,
 * by the device registration use case (register-device-with-iot.ts): a failed
 * IoT step is reported in `iot` with its retry, and the new certificate stays.
 * The old certificate stays ACTIVE in IoT (both connect until the old one
 * expires), unless `revokePrevious`: its revocation sets it REVOKED there too.
 */

import type { LeafKind, SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRecord, CertificateRepository } from "../certificate-repository.js";
import {
  assertRequestedNamesAllowed,
  type VerifiedSigningRequest,
  verifySigningRequest,
} from "../certificate-signing-request.js";
import { ConfigurationError, ConflictError, InvalidRequestError, NotFoundError } from "../errors.js";
import { announce, renewedEvent, subjectAltNamesOf } from "../events/certificate-events.js";
import { revocationIssuer } from "../inventory/certificate-status.js";
import {
  type IotContext,
  type IotDeviceRegistration,
  type IotDeviceRegistrationOptions,
  iotRegistrationPath,
  registerDeviceWithIot,
} from "../iot/register-device-with-iot.js";
import { issueDeviceCertificate } from "../issuance/issue-device-certificate.js";
import { issueServerCertificate } from "../issuance/issue-server-certificate.js";
import type { IssuanceContext, IssuedCertificate, LeafRequest } from "../issuance/issued-certificate.js";
import {
  ACM_IMPORTABLE_KEY_ALGORITHMS,
  importPrivateKeyPem,
  type KeyAlgorithm,
  webCryptoParams,
} from "../key-algorithms.js";
import type { CertificateImporter } from "../ports.js";
import { type RevokedCertificate, revokeCertificate } from "../revocation/revoke-certificate.js";
import { type ValidityBehavior, validityPeriod } from "../validity.js";
import { X509Certificate } from "../x509.js";

export interface RenewCertificateRequest {
  kind: LeafKind;
  /** The certificate to renew. */
  serialNumber: string;
  /** Lifetime of the new certificate; default the old one's (notAfter − issuance, in whole days). */
  validityDays?: number | undefined;
  /** What to do if the validity would outlive the issuer; default `refuse`, as for issuance. */
  validityBehavior?: ValidityBehavior | undefined;
  /** A PEM PKCS#10 request for the new certificate; its names must be the old certificate's. */
  csr?: string | undefined;
  /** Certify the old key again (see the module comment); default false: a new key. */
  reuseKey?: boolean | undefined;
  /** Revoke the old certificate (reason `superseded`) once the new one exists; default false. */
  revokePrevious?: boolean | undefined;
  /**
   * Device certificates: register the new certificate with AWS IoT Core as
   * the old one is registered (same thing, policy, with or without its CA).
   * Default: when the old one is registered. `false`: not registered. `true`:
   * refused (409, nothing written) when the old one is not registered.
   */
  registerWithIot?: boolean | undefined;
}

export interface RenewedCertificate extends IssuedCertificate {
  /** The renewed certificate's record (as it was; `renewed_by` is the link, see `findRenewal`). */
  previous: CertificateRecord;
  /** True when the new certificate replaced the old one in ACM, on the same certificate ARN. */
  acmReimported: boolean;
  /** True when the new certificate certifies the old key. */
  keyReused: boolean;
  /** The old certificate's revocation, with `revokePrevious`. */
  previousRevocation?: RevokedCertificate | undefined;
  /** Why `revokePrevious` did not happen, when it failed after the new certificate was stored. */
  previousRevocationError?: Error | undefined;
  /** The new certificate's AWS IoT Core registration, when the old one is registered there (and not `registerWithIot: false`). */
  iot?: IotDeviceRegistration | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Renews a server or device certificate; see the module comment. */
export async function renewCertificate(
  request: RenewCertificateRequest,
  repository: CertificateRepository,
  importer: CertificateImporter,
  context: IssuanceContext = {},
): Promise<RenewedCertificate> {
  const { kind, serialNumber } = request;
  const crypto = context.crypto ?? globalThis.crypto;
  const now = (context.clock ?? (() => new Date()))();

  const previous = await repository.findLeaf(kind, serialNumber);
  if (!previous?.issuer) {
    throw new NotFoundError(`no ${kind} certificate with serial number '${serialNumber}' exists`, "serial_number");
  }
  const revocationAuthority = revocationIssuer(kind, previous.issuer);
  const revocation = revocationAuthority && (await repository.findRevocation(revocationAuthority, serialNumber));
  if (revocation) {
    throw new ConflictError(
      `certificate ${serialNumber} was revoked on ${revocation.revoked_at} (${revocation.reason}): a revoked certificate cannot be renewed; issue a new one`,
      "serial_number",
    );
  }
  const renewedBy = await repository.findRenewal(kind, serialNumber);
  if (renewedBy) {
    throw new ConflictError(
      `certificate ${serialNumber} was already renewed by ${renewedBy}: renew that one instead`,
      "serial_number",
    );
  }

  const subject = subjectOf(previous);
  const validityDays = request.validityDays ?? lifetimeDays(previous);
  // The issuer's validity is checked here, before anything is written; signing checks it again.
  const issuer = await repository.getAuthority("intermediate", previous.issuer, "issuer");
  validityPeriod({
    now,
    validityDays,
    behavior: request.validityBehavior,
    issuer: { name: issuer.subject_id, notBefore: new Date(issuer.not_before), notAfter: new Date(issuer.not_after) },
  });
  const key = await renewalKey(request, previous, subject, repository, crypto);
  const iotOptions = await iotRegistrationToFollow(request, context.iot);

  if (!(await repository.claimRenewal(kind, serialNumber, now))) {
    throw new ConflictError(
      `certificate ${serialNumber} is being renewed by another request; retry in a moment`,
      "serial_number",
    );
  }
  let issued: IssuedCertificate;
  try {
    const common: LeafRequest = {
      issuer: previous.issuer,
      country: subject.country,
      state: subject.state,
      organization: subject.organization,
      validityDays,
      validityBehavior: request.validityBehavior,
      keyAlgorithm: key.csr === undefined ? previous.key_algorithm : undefined,
      csr: key.csr,
      existingKey: key.existingKey,
      renews: serialNumber,
    };
    // The renewal announces itself (`Certificate Renewed`), not as a first issuance.
    const quiet: IssuanceContext = { ...context, events: undefined };
    issued =
      kind === "server"
        ? await issueServerCertificate(
            {
              ...common,
              fqdn: previous.subject_id,
              subjectAltNames: subject.subjectAltNames,
              acmCertificateArn: previous.acm_certificate_arn,
            },
            repository,
            importer,
            quiet,
          )
        : await issueDeviceCertificate(
            { ...common, deviceId: previous.subject_id, subjectAltNames: subject.subjectAltNames },
            repository,
            quiet,
          );
  } catch (error) {
    await repository.releaseRenewalClaim(kind, serialNumber).catch(() => undefined);
    throw error;
  }
  await repository.linkRenewal(kind, serialNumber, issued.record.serial_number);

  const acmReimported =
    previous.acm_certificate_arn !== undefined && issued.record.acm_certificate_arn === previous.acm_certificate_arn;
  // Stored and linked first: IoT failing now is reported (with its retry), never undoes the renewal.
  const iot =
    iotOptions && context.iot
      ? await registerDeviceWithIot(issued.record, iotOptions, context.iot, undefined, context.clock)
      : undefined;
  await announce(context.events, [
    renewedEvent(
      issued.record,
      subject.subjectAltNames,
      { renews: serialNumber, acmReimported },
      iot?.registered ? iot.registration : undefined,
    ),
  ]);

  const renewed: RenewedCertificate = {
    record: issued.record,
    // A key returned once is never returned again: only a new key is in the answer.
    privateKeyPem: key.reused ? undefined : issued.privateKeyPem,
    previous,
    acmReimported,
    keyReused: key.reused,
    ...(iot ? { iot } : {}),
  };
  if (request.revokePrevious) {
    // The new certificate not in IoT: the old one stays ACTIVE there, or the device would have none IoT accepts.
    const holdIotRevocation = iot !== undefined && !iot.registered;
    try {
      // The revocation's own IoT step sets the old certificate REVOKED in IoT when IoT holds it.
      renewed.previousRevocation = await revokeCertificate(
        { kind, id: serialNumber, reason: "superseded" },
        repository,
        {
          clock: context.clock,
          crypto: context.crypto,
          events: context.events,
          caKeys: context.caKeys,
          iot: kind === "device" && !holdIotRevocation ? context.iot : undefined,
        },
      );
      if (holdIotRevocation && context.iot) {
        const registration = await context.iot.records.findDevice(serialNumber).catch(() => undefined);
        renewed.previousRevocation.iot = {
          registration,
          updated: false,
          error: new ConflictError(
            `certificate ${serialNumber} is revoked here but left ACTIVE in AWS IoT Core: its renewal ${issued.record.serial_number} is not registered there (step ${iot.failedStep} failed), and the device would have no certificate IoT accepts. Finish that registration (iot.retry), then send this retry to set the old one REVOKED`,
            "revoke_previous",
          ),
        };
      }
    } catch (error) {
      // The new certificate exists and is linked: answer with it, and say what is left to do.
      renewed.previousRevocationError = error instanceof Error ? error : new Error(String(error));
    }
  }
  return renewed;
}

/**
 * How the new device certificate is to be registered with AWS IoT Core: as
 * the old one's registration says (its record is written once, after the
 * checks of registration, so its issuer is known to IoT when `with_ca`), or
 * not at all. Refuses, before anything is written, what cannot be done.
 */
async function iotRegistrationToFollow(
  request: RenewCertificateRequest,
  iot: IotContext | undefined,
): Promise<IotDeviceRegistrationOptions | undefined> {
  const { kind, serialNumber, registerWithIot } = request;
  if (registerWithIot === false) return undefined;
  if (kind !== "device") {
    if (registerWithIot) {
      throw new InvalidRequestError("only device certificates are registered with AWS IoT Core", "iot");
    }
    return undefined;
  }
  if (!iot) {
    if (registerWithIot) {
      throw new ConfigurationError("AWS IoT Core registration is not configured in this deployment");
    }
    return undefined;
  }
  const registration = await iot.records.findDevice(serialNumber);
  if (!registration) {
    if (registerWithIot) {
      throw new ConflictError(
        `certificate ${serialNumber} is not registered with AWS IoT Core, so its renewal has no registration to follow: renew it without "iot", then register the new certificate with POST ${iotRegistrationPath("<new serial number>")}. Nothing was issued`,
        "iot",
      );
    }
    return undefined;
  }
  return {
    thingName: registration.thing_name,
    policyName: registration.policy_name,
    withoutCa: registration.registered === "without_ca",
  };
}

interface RenewedSubject {
  commonName: string;
  country: string | undefined;
  state: string | undefined;
  organization: string | undefined;
  subjectAltNames: SubjectAltName[];
  /** The old certificate's SubjectPublicKeyInfo (DER). */
  subjectPublicKeyInfo: Uint8Array;
}

/** What the new certificate keeps of the old one, read from the old certificate itself. */
function subjectOf(previous: CertificateRecord): RenewedSubject {
  const certificate = new X509Certificate(previous.certificate);
  const field = (name: string) => certificate.subjectName.getField(name)[0];
  return {
    commonName: field("CN") ?? previous.subject_id,
    country: field("C"),
    state: field("ST"),
    organization: field("O"),
    subjectAltNames: subjectAltNamesOf(previous),
    subjectPublicKeyInfo: new Uint8Array(certificate.publicKey.rawData),
  };
}

/** The old certificate's lifetime in whole days (from its issuance, not its backdated notBefore). */
function lifetimeDays(previous: CertificateRecord): number {
  return Math.max(1, Math.round((Date.parse(previous.not_after) - Date.parse(previous.created_at)) / DAY_MS));
}

/** Which key the new certificate certifies; refuses a key choice that cannot work. */
async function renewalKey(
  request: RenewCertificateRequest,
  previous: CertificateRecord,
  subject: RenewedSubject,
  repository: CertificateRepository,
  crypto: Crypto,
): Promise<{ csr?: string; existingKey?: LeafRequest["existingKey"]; reused: boolean }> {
  const serial = previous.serial_number;
  if (request.csr !== undefined) {
    const signingRequest: VerifiedSigningRequest = await verifySigningRequest(request.csr, crypto);
    if (signingRequest.keyAlgorithm !== previous.key_algorithm) {
      throw new InvalidRequestError(
        `the CSR's key is ${signingRequest.keyAlgorithm} but certificate ${serial} has a ${previous.key_algorithm} key: a renewal keeps the key algorithm`,
        "csr",
      );
    }
    assertRequestedNamesAllowed(signingRequest, {
      commonName: subject.commonName,
      subjectAltNames: subject.subjectAltNames,
    });
    // Both keys as WebCrypto encodes them, so that two encodings of one key compare equal.
    const [requested, certified] = await Promise.all([
      crypto.subtle.exportKey("spki", signingRequest.publicKey),
      crypto.subtle
        .importKey(
          "spki",
          Uint8Array.from(subject.subjectPublicKeyInfo),
          webCryptoParams(previous.key_algorithm),
          true,
          ["verify"],
        )
        .then((key) => crypto.subtle.exportKey("spki", key)),
    ]);
    const sameKey = equalBytes(new Uint8Array(requested), new Uint8Array(certified));
    if (request.reuseKey && !sameKey) {
      throw new InvalidRequestError(
        `reuse_key: the CSR's key is not the key of certificate ${serial}; send a CSR made with that key, or leave reuse_key out to certify the CSR's new key`,
        "reuse_key",
      );
    }
    return { csr: request.csr, reused: sameKey };
  }
  if (!request.reuseKey) {
    // A server key the service makes is imported into ACM, which takes RSA and EC keys only (an Ed25519 server came from a CSR).
    if (
      previous.kind === "server" &&
      !(ACM_IMPORTABLE_KEY_ALGORITHMS as readonly string[]).includes(previous.key_algorithm)
    ) {
      throw new InvalidRequestError(
        `certificate ${serial} has a ${previous.key_algorithm} key, which ACM cannot import, so the service does not make one: renew it with a CSR`,
        "csr",
      );
    }
    return { reused: false };
  }
  if (previous.from_csr) {
    throw new InvalidRequestError(
      `reuse_key: certificate ${serial} was issued for a CSR, so the service never had its key; send a CSR made with that key (csr) to renew it with the same key`,
      "reuse_key",
    );
  }
  const privateKeyPem = await repository.findLeafPrivateKey(previous);
  if (privateKeyPem === undefined) {
    throw new InvalidRequestError(
      `reuse_key: the service does not keep the key of certificate ${serial}; renew it with a new key (leave reuse_key out) or with a CSR`,
      "reuse_key",
    );
  }
  const publicKey = await keyPairMatches(privateKeyPem, subject.subjectPublicKeyInfo, previous.key_algorithm, crypto);
  if (!publicKey) {
    throw new InvalidRequestError(
      `reuse_key: the key stored for certificate ${serial} does not match it; renew it with a new key (leave reuse_key out)`,
      "reuse_key",
    );
  }
  return { existingKey: { publicKey, keyAlgorithm: previous.key_algorithm, privateKeyPem }, reused: true };
}

/** The certificate's public key when the stored private key signs what it verifies; undefined otherwise. */
async function keyPairMatches(
  privateKeyPem: string,
  subjectPublicKeyInfo: Uint8Array,
  algorithm: KeyAlgorithm,
  crypto: Crypto,
): Promise<CryptoKey | undefined> {
  const params = webCryptoParams(algorithm);
  const spki = Uint8Array.from(subjectPublicKeyInfo);
  const publicKey = await crypto.subtle.importKey("spki", spki, params, true, ["verify"]);
  const privateKey = await importPrivateKeyPem(privateKeyPem, algorithm, crypto);
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(params, privateKey, challenge);
  return (await crypto.subtle.verify(params, publicKey, signature, challenge)) ? publicKey : undefined;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
