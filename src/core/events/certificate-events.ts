/**
 * The events other tools react to: one per certificate issued, renewed,
 * revoked or about to expire, and one per CRL published. Their shape is a
 * public contract (docs/lifecycle.md, the OpenAPI description): fields are
 * only ever added. A detail never holds key material, nor the certificate
 * itself: consumers fetch it from `GET /certificates/{kind}/{id}` or the
 * `s3_folder` when they need it.
 */
import type { CertificateAuthorityKind, CertificateKind, SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRecord, InventoryEntry, RevocationRecord } from "../certificate-repository.js";
import { STORAGE_PREFIXES } from "../certificate-repository.js";
import type { IotDeviceRegistrationRecord } from "../iot/iot-registration-records.js";
import type { EventPublisher } from "../ports.js";
import { SubjectAlternativeNameExtension, X509Certificate } from "../x509.js";
import { DETAIL_TYPES, type DetailType } from "./event-types.js";

export { DETAIL_TYPES, type DetailType, EVENT_SOURCE } from "./event-types.js";

/** The JSON field that names a certificate of each kind, as in the API's responses. */
const SUBJECT_FIELD: Record<CertificateKind, "name" | "fqdn" | "device_id"> = {
  root: "name",
  intermediate: "name",
  server: "fqdn",
  device: "device_id",
};

/** What every certificate event's detail carries (the per-kind name field is `name`, `fqdn` or `device_id`). */
export interface CertificateDetail {
  kind: CertificateKind;
  serial_number: string;
  /** The CA's name (root, intermediate). */
  name?: string;
  /** The server's host name. */
  fqdn?: string;
  /** The device's id. */
  device_id?: string;
  /** SAN entries of a server or device certificate (absent from expiry warnings, which never read certificates). */
  subject_alt_names?: string[];
  /** The signing CA's name; absent for roots. */
  issuer?: string;
  not_after: string;
  /** The folder holding the certificate's PEM files, in the bucket (or local store). */
  s3_folder: string;
  /** ACM ARN of an imported server certificate. */
  acm_certificate_arn?: string;
  /** AWS IoT Core's id and ARN of a device certificate registered there. */
  iot_certificate_id?: string;
  iot_certificate_arn?: string;
  /** The IoT thing the device certificate is attached to. */
  iot_thing_name?: string;
  [field: string]: unknown;
}

/** What a `CRL Published` event's detail carries. */
export interface CrlPublishedDetail {
  issuer_kind: CertificateAuthorityKind;
  issuer: string;
  crl_number: string;
  this_update: string;
  next_update: string;
  revoked_count: number;
  /** Where the API serves it. */
  crl_path: string;
}

export interface CertificateEvent {
  detailType: DetailType;
  detail: CertificateDetail | CrlPublishedDetail;
  /** ARNs the event concerns (EventBridge `resources`): the ACM or IoT certificate's, when there is one. */
  resources: string[];
  /** Serial numbers the event concerns, so a failed delivery can be logged by them. */
  serialNumbers: string[];
}

/**
 * `Certificate Issued`, for a new CA or leaf. `subjectAltNames`: the leaf's
 * SANs, as issued; `iot`: a device certificate's AWS IoT Core registration,
 * when it was registered as it was issued.
 */
export function issuedEvent(
  record: CertificateRecord,
  subjectAltNames?: readonly SubjectAltName[],
  iot?: IotDeviceRegistrationRecord,
): CertificateEvent {
  return certificateEvent(DETAIL_TYPES.issued, record, subjectAltNames, {}, iot);
}

/** `Certificate Renewed`: the new certificate, naming the one it renews. */
export function renewedEvent(
  record: CertificateRecord,
  subjectAltNames: readonly SubjectAltName[],
  renewal: { renews: string; acmReimported: boolean },
  iot?: IotDeviceRegistrationRecord,
): CertificateEvent {
  return certificateEvent(
    DETAIL_TYPES.renewed,
    record,
    subjectAltNames,
    { renews: renewal.renews, acm_reimported: renewal.acmReimported },
    iot,
  );
}

/** `Certificate Revoked`. `iot`: the device certificate's AWS IoT Core registration, when it has one. */
export function revokedEvent(
  record: CertificateRecord,
  revocation: RevocationRecord,
  iot?: IotDeviceRegistrationRecord,
): CertificateEvent {
  return certificateEvent(
    DETAIL_TYPES.revoked,
    record,
    subjectAltNamesOf(record),
    { reason: revocation.reason, revoked_at: revocation.revoked_at },
    iot,
  );
}

/** `CRL Published`: one per CRL signed (on a revocation, or when a stale CRL is served). */
export function crlPublishedEvent(params: {
  issuerKind: CertificateAuthorityKind;
  issuer: string;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedCount: number;
}): CertificateEvent {
  return {
    detailType: DETAIL_TYPES.crlPublished,
    detail: {
      issuer_kind: params.issuerKind,
      issuer: params.issuer,
      crl_number: params.crlNumber.toString(),
      this_update: params.thisUpdate.toISOString(),
      next_update: params.nextUpdate.toISOString(),
      revoked_count: params.revokedCount,
      crl_path: `/crl/${params.issuerKind}/${params.issuer}`,
    },
    resources: [],
    serialNumbers: [],
  };
}

/**
 * `Certificate Expiring`: built from an inventory entry alone (the expiry
 * scan reads no certificate), so it names the certificate but carries no
 * SANs and no ACM ARN.
 */
export function expiringEvent(
  entry: InventoryEntry,
  warning: { thresholdDays: number; daysRemaining: number },
): CertificateEvent {
  return {
    detailType: DETAIL_TYPES.expiring,
    detail: {
      kind: entry.kind,
      serial_number: entry.serial_number,
      [SUBJECT_FIELD[entry.kind]]: entry.subject_id,
      ...(entry.issuer === undefined ? {} : { issuer: entry.issuer }),
      not_after: entry.not_after,
      s3_folder: `${STORAGE_PREFIXES[entry.kind]}/${entry.subject_id}/${entry.serial_number}/`,
      threshold_days: warning.thresholdDays,
      days_remaining: warning.daysRemaining,
    },
    resources: [],
    serialNumbers: [entry.serial_number],
  };
}

/**
 * Hands events to the publisher, if there is one. Publishers report what
 * they could not deliver themselves and never fail the caller: the
 * certificate is stored by then, and the API's answer must not change.
 */
export async function announce(publisher: EventPublisher | undefined, events: CertificateEvent[]): Promise<void> {
  if (!publisher || events.length === 0) return;
  try {
    await publisher.publish(events);
  } catch {
    // A publisher that breaks its contract still cannot turn an issued certificate into an error.
  }
}

/** An EventPublisher that only collects, for a caller that publishes many events at once (a batch). */
export class CollectingEventPublisher implements EventPublisher {
  readonly events: CertificateEvent[] = [];

  async publish(events: CertificateEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

function certificateEvent(
  detailType: DetailType,
  record: CertificateRecord,
  subjectAltNames: readonly SubjectAltName[] | undefined,
  extra: Record<string, unknown>,
  iot: IotDeviceRegistrationRecord | undefined,
): CertificateEvent {
  const isLeaf = record.kind === "server" || record.kind === "device";
  const detail: CertificateDetail = {
    kind: record.kind,
    serial_number: record.serial_number,
    [SUBJECT_FIELD[record.kind]]: record.subject_id,
    ...(isLeaf ? { subject_alt_names: (subjectAltNames ?? []).map((name) => name.value) } : {}),
    ...(record.issuer === undefined ? {} : { issuer: record.issuer }),
    not_after: record.not_after,
    s3_folder: record.folder,
    ...(record.acm_certificate_arn ? { acm_certificate_arn: record.acm_certificate_arn } : {}),
    ...extra,
  };
  const event: CertificateEvent = {
    detailType,
    detail,
    resources: record.acm_certificate_arn ? [record.acm_certificate_arn] : [],
    serialNumbers: [record.serial_number],
  };
  return withIotRegistration(event, iot);
}

/**
 * The event with a device certificate's AWS IoT Core registration added: its
 * IoT id, ARN (also in `resources`) and thing. Unchanged without one.
 */
export function withIotRegistration(
  event: CertificateEvent,
  iot: IotDeviceRegistrationRecord | undefined,
): CertificateEvent {
  if (!iot) return event;
  return {
    ...event,
    detail: {
      ...event.detail,
      iot_certificate_id: iot.iot_certificate_id,
      iot_certificate_arn: iot.iot_certificate_arn,
      ...(iot.thing_name === undefined ? {} : { iot_thing_name: iot.thing_name }),
    },
    resources: [...event.resources, iot.iot_certificate_arn],
  };
}

/** The SANs of a stored certificate, read from its PEM (for events about certificates issued earlier). */
export function subjectAltNamesOf(record: CertificateRecord): SubjectAltName[] {
  if (record.kind !== "server" && record.kind !== "device") return [];
  const extension = new X509Certificate(record.certificate).getExtension(SubjectAlternativeNameExtension);
  return (extension?.names.items ?? []).flatMap((name): SubjectAltName[] => {
    if (name.type === "dns") return [{ type: "dns", value: name.value }];
    if (name.type === "ip") return [{ type: "ip", value: name.value }];
    if (name.type === "url") return [{ type: "url", value: name.value }];
    return [];
  });
}
