/**
 * What the portal shows and sends, without the DOM: the kinds and fields of
 * the API, expiry classification, download file names and request bodies.
 * Kept pure so it can be tested without a browser.
 */

export const KINDS = ["root", "intermediate", "server", "device"] as const;
export type Kind = (typeof KINDS)[number];
export type LeafKind = "server" | "device";
export type CaKind = "root" | "intermediate";

export const CA_KEY_ALGORITHMS = ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"] as const;
export const DEVICE_KEY_ALGORITHMS = [...CA_KEY_ALGORITHMS, "Ed25519"] as const;
export const VALIDITY_BEHAVIORS = ["refuse", "truncate"] as const;
export const STATUSES = ["valid", "expired", "revoked"] as const;
export type Status = (typeof STATUSES)[number];

/** RFC 5280 reasons the API accepts, with words a person understands. */
export const REVOCATION_REASONS: readonly { value: string; label: string }[] = [
  { value: "unspecified", label: "Unspecified" },
  { value: "keyCompromise", label: "Key compromise (the private key leaked)" },
  { value: "cACompromise", label: "CA compromise" },
  { value: "affiliationChanged", label: "Affiliation changed" },
  { value: "superseded", label: "Superseded (replaced by a new certificate)" },
  { value: "cessationOfOperation", label: "Cessation of operation (device or server retired)" },
  { value: "privilegeWithdrawn", label: "Privilege withdrawn" },
  { value: "aACompromise", label: "AA compromise" },
];

/** Certificates that expire within this many days are highlighted. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A row of `GET /certificates/{kind}`. */
export interface InventoryItem {
  id: string;
  kind: Kind;
  name?: string;
  fqdn?: string;
  device_id?: string;
  serial_number: string;
  issuer?: string;
  not_after: string;
  key_algorithm: string;
  status: Status;
}

export interface InventoryPage {
  items: InventoryItem[];
  next_token: string | null;
}

/** A create response (root, intermediate, server, device); keys only on leaves, and only here. */
export interface CreatedCertificate {
  message: string;
  name?: string;
  fqdn?: string;
  device_id?: string;
  serial_number: string;
  key_algorithm: string;
  /** CAs: where the key is kept (`s3` or `kms`) and, for KMS, the key's ARN. */
  key_storage?: string;
  kms_key_arn?: string;
  issuer?: string;
  not_before: string;
  not_after: string;
  certificate: string;
  certificate_chain: string;
  private_key?: string;
  pkcs12?: string;
  acm_certificate_arn?: string | null;
  acm_import?: string;
  /** Device certificates: what AWS IoT Core did with it, when it was asked to register it. */
  iot?: DeviceIotRegistration;
}

/** `iot` of a device response: the AWS IoT Core registration, or the step that failed and how to retry it. */
export type DeviceIotRegistration =
  | {
      registered: true;
      iot_certificate_id: string;
      iot_certificate_arn: string;
      thing_name: string | null;
      policy_name: string | null;
    }
  | {
      registered: false;
      failed_step: string;
      error: { code: string | null; status: number; detail: string };
      retry: { method: string; path: string };
    };

/** A device's AWS IoT Core registration in words, for the result panel and the status line. */
export function deviceIotSummary(iot: DeviceIotRegistration): string {
  if (iot.registered) {
    const attached = [
      iot.thing_name === null ? undefined : `thing ${iot.thing_name}`,
      iot.policy_name === null ? undefined : `policy ${iot.policy_name}`,
    ].filter((part) => part !== undefined);
    return `registered as certificate ${iot.iot_certificate_id}${attached.length > 0 ? ` (${attached.join(", ")})` : ""}`;
  }
  // The detail of an error IoT answered starts with IoT's code already.
  return `not registered: step ${iot.failed_step} failed (${iot.error.detail}); retry with ${iot.retry.method} ${iot.retry.path}`;
}

/** `GET /certificates/{kind}/{id}`. */
export interface CertificateDetails extends CreatedCertificate {
  kind: Kind;
  status: Status;
  revoked_at?: string;
  revocation_reason?: string;
  /** CAs registered with AWS IoT Core. */
  iot_registration?: IotCaRegistration;
}

/** How AWS IoT Core registers a CA: `SNI_ONLY` (no proof of the key; devices send SNI) or `DEFAULT` (a verification certificate). */
export type IotCaMode = "SNI_ONLY" | "DEFAULT";

export const IOT_CA_MODES: readonly { value: IotCaMode; label: string }[] = [
  { value: "SNI_ONLY", label: "SNI_ONLY (recommended): devices send SNI" },
  { value: "DEFAULT", label: "DEFAULT: with a verification certificate" },
];

/** A CA's registration with AWS IoT Core: `iot_registration` of `GET /certificates/{kind}/{name}`. */
export interface IotCaRegistration {
  ca_certificate_id: string;
  ca_certificate_arn: string;
  mode: IotCaMode;
  status: string;
  iot_data_endpoint: string;
  allow_auto_registration: boolean;
  /** Present when just-in-time provisioning is on: `default` or `custom`. */
  provisioning_template?: "default" | "custom";
  provisioning_role_arn?: string;
  registered_at: string;
}

/** `POST /certificates/{kind}/{name}/iot-registration`: the registration, and in DEFAULT mode the proof IoT checked. */
export interface IotCaRegistered extends IotCaRegistration {
  message: string;
  registration_code?: string;
  verification_certificate?: string;
}

/**
 * The body of a registration from the portal: the mode, and with JITP the
 * deployment's default provisioning template (and role); the API's defaults
 * for the rest (active, auto-registration on exactly when JITP is).
 */
export function iotRegistrationBody(choice: { mode: IotCaMode; jitp: boolean }): Record<string, unknown> {
  return { mode: choice.mode, ...(choice.jitp ? { provisioning: { template: "default" } } : {}) };
}

/** Just-in-time provisioning in words: `on (default template)`, `on (custom template)` or `off`. */
export function jitpLabel(registration: Pick<IotCaRegistration, "provisioning_template">): string {
  return registration.provisioning_template ? `on (${registration.provisioning_template} template)` : "off";
}

/** The name a certificate goes by: the CA name, the fqdn or the device id. */
export function subjectOf(item: { name?: string; fqdn?: string; device_id?: string; serial_number?: string }): string {
  return item.name ?? item.fqdn ?? item.device_id ?? item.serial_number ?? "certificate";
}

/** How a certificate is addressed in paths: CAs by name, leaves by serial number. */
export function identifierOf(kind: Kind, item: { name?: string; serial_number: string }): string {
  return kind === "root" || kind === "intermediate" ? (item.name ?? item.serial_number) : item.serial_number;
}

export type ExpiryState = "revoked" | "expired" | "expiring" | "valid";

export interface Expiry {
  state: ExpiryState;
  /** Days until notAfter, rounded up (0 or less once expired). */
  daysLeft: number;
  /** Words, never a colour alone: "Revoked", "Expired", "Expires in 3 days", "Valid". */
  label: string;
}

/** Classifies a certificate for display: revoked and expired first, then expiring within 30 days. */
export function classifyExpiry(status: Status, notAfter: string, now: Date = new Date()): Expiry {
  const remainingMs = Date.parse(notAfter) - now.getTime();
  const daysLeft = Math.ceil(remainingMs / DAY_MS);
  if (status === "revoked") return { state: "revoked", daysLeft, label: "Revoked" };
  if (status === "expired" || remainingMs <= 0) return { state: "expired", daysLeft, label: "Expired" };
  if (remainingMs <= EXPIRY_WARNING_DAYS * DAY_MS) {
    return { state: "expiring", daysLeft, label: `Expires in ${daysLeft} ${daysLeft === 1 ? "day" : "days"}` };
  }
  return { state: "valid", daysLeft, label: "Valid" };
}

/** `2027-11-28T06:30:53.000Z` → `2027-11-28` (UTC), the way the API stores dates. */
export function formatDate(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0] ?? iso;
}

/** A file name made of safe characters only (host names and device ids already are). */
export function safeFileStem(value: string): string {
  const stem = value
    .replace(/^\*\./, "wildcard.")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "");
  return stem === "" ? "certificate" : stem.slice(0, 100);
}

export type DownloadPart = "certificate" | "chain" | "fullchain" | "key" | "pkcs12";

/**
 * File names for what a person downloads: `broker.dev.example.com.crt`,
 * `broker.dev.example.com-chain.pem`, `….key`, `….p12`; CAs get a suffix
 * (`servers-intermediate-ca.crt`) so they do not collide with leaves.
 */
export function downloadFileName(kind: Kind, subject: string, part: DownloadPart): string {
  const stem =
    safeFileStem(subject) + (kind === "root" ? "-root-ca" : kind === "intermediate" ? "-intermediate-ca" : "");
  switch (part) {
    case "certificate":
      return `${stem}.crt`;
    case "chain":
      return `${stem}-chain.pem`;
    case "fullchain":
      return `${stem}-fullchain.pem`;
    case "key":
      return `${stem}.key`;
    case "pkcs12":
      return `${stem}.p12`;
  }
}

/** How one form control becomes a JSON field. */
export type FieldEncoding = "text" | "integer" | "list" | "pem";

/**
 * Builds a request body from form values: empty values are left out (the
 * API's defaults apply), whole numbers become numbers, lists are split on
 * commas and new lines. Anything odd is passed through as typed, so the API,
 * not the page, says what is wrong with it and names the field.
 */
export function requestBody(
  values: readonly { name: string; value: string; encoding: FieldEncoding }[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { name, value, encoding } of values) {
    const trimmed = value.trim();
    if (trimmed === "") continue;
    switch (encoding) {
      case "integer":
        body[name] = /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
        break;
      case "list":
        body[name] = trimmed
          .split(/[\s,]+/)
          .map((entry) => entry.trim())
          .filter((entry) => entry !== "");
        break;
      case "pem":
        body[name] = `${trimmed.replace(/\r\n?/g, "\n")}\n`;
        break;
      default:
        body[name] = trimmed;
    }
  }
  return body;
}

/** The form control a problem's `field` belongs to: `subject_alt_names.2` → `subject_alt_names`. */
export function controlNameForField(field: string | undefined, controlNames: readonly string[]): string | undefined {
  if (field === undefined || field === "") return undefined;
  const first = field.split(".")[0] ?? field;
  if (controlNames.includes(first)) return first;
  // CAs accept the seed's `fqdn` as an alias of `common_name`.
  if (first === "fqdn" && controlNames.includes("common_name")) return "common_name";
  return undefined;
}

/** Base64 (as in the API's `pkcs12`) to bytes. */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64.replace(/\s+/g, ""));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Joins the configured API base URL (may carry a stage path, e.g. `/Prod`) and a path. */
export function apiUrl(baseUrl: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(baseUrl.replace(/\/+$/, "") + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  return url.toString();
}

/**
 * The API base URL from `config.json` (`{"apiBaseUrl": "..."}`), or the
 * page's own origin when the file is absent, empty or not an http(s) URL.
 */
export function resolveApiBaseUrl(config: unknown, pageOrigin: string): string {
  const configured =
    typeof config === "object" && config !== null ? (config as { apiBaseUrl?: unknown }).apiBaseUrl : undefined;
  if (typeof configured !== "string" || configured.trim() === "") return pageOrigin;
  try {
    const url = new URL(configured.trim(), pageOrigin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return pageOrigin;
    return url.toString().replace(/\/+$/, "");
  } catch {
    return pageOrigin;
  }
}
