/**
 * The request bodies of every route, written once. Validation, the request
 * types the handlers pass to the core, and (later) the OpenAPI description
 * all come from these schemas. Unknown fields are refused.
 *
 * Field names are the seed's snake_case ones (`fqdn`, `country`, `state`,
 * `organization`, `validity_days`), so its curl scripts keep working.
 */
import * as z from "zod";
import { CA_KEY_STORAGES } from "../core/ca-key-storage.js";
import type { SubjectAltName } from "../core/certificate-profiles.js";
import { CERTIFICATE_STATUSES } from "../core/inventory/certificate-status.js";
import { MAX_PAGE_SIZE } from "../core/inventory/list-certificates.js";
import type { RegisterCaWithIotRequest } from "../core/iot/register-certificate-authority.js";
import type { IotDeviceRegistrationOptions } from "../core/iot/register-device-with-iot.js";
import { MAX_BATCH_SIZE } from "../core/issuance/batch-limits.js";
import type { CreateIntermediateRequest } from "../core/issuance/create-intermediate-certificate-authority.js";
import type { CreateRootRequest } from "../core/issuance/create-root-certificate-authority.js";
import type { IssueDeviceBatchRequest } from "../core/issuance/issue-device-batch.js";
import type { IssueDeviceRequest } from "../core/issuance/issue-device-certificate.js";
import type { IssueServerRequest } from "../core/issuance/issue-server-certificate.js";
import { ACM_IMPORTABLE_KEY_ALGORITHMS, CA_KEY_ALGORITHMS, KEY_ALGORITHMS } from "../core/key-algorithms.js";
import {
  CA_NAME_PATTERN,
  DEVICE_ID_PATTERN,
  IOT_POLICY_NAME_PATTERN,
  IOT_THING_NAME_PATTERN,
  isCertificateDnsName,
  isHostName,
  isIpAddress,
  isUri,
  MAX_DNS_NAME_LENGTH,
} from "../core/names.js";
import { REVOCATION_REASONS } from "../core/revocation/revocation-reasons.js";
import { isSerialNumber } from "../core/serial-number.js";
import { SUBJECT_LIMITS } from "../core/subject-limits.js";
import { MAX_VALIDITY_DAYS, VALIDITY_BEHAVIORS } from "../core/validity.js";

/** Most extra SAN entries one certificate may ask for. */
export const MAX_SUBJECT_ALT_NAMES = 100;

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

const text = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(NO_CONTROL_CHARACTERS, "must not contain control characters");

export const caName = z
  .string()
  .regex(CA_NAME_PATTERN, 'must be a lowercase slug of a-z, 0-9 and "-", 1 to 63 characters, e.g. "devices"');

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "must be a two-letter ISO 3166 country code such as SE or US")
  .transform((value) => value.toUpperCase());

const validityDays = z
  .number({ error: "must be a number of days" })
  .int("must be a whole number of days")
  .min(1, "must be at least 1")
  .max(MAX_VALIDITY_DAYS, `must be at most ${MAX_VALIDITY_DAYS} (25 years)`);

export const fqdn = z
  .string()
  .max(MAX_DNS_NAME_LENGTH, `must be at most ${MAX_DNS_NAME_LENGTH} characters`)
  .transform((value) => value.toLowerCase())
  .refine(isHostName, {
    message:
      "must be a host name (RFC 1123): labels of a-z, 0-9 and '-', separated by dots, e.g. broker.dev.example.com",
  })
  .refine((value) => value.length <= SUBJECT_LIMITS.commonName, {
    message: `must be at most ${SUBJECT_LIMITS.commonName} characters, since it is also the certificate's common name`,
  });

export const deviceId = z
  .string()
  .regex(
    DEVICE_ID_PATTERN,
    "must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '-' and '.', starting with a letter or digit",
  );

const subjectFields = {
  country: country.optional(),
  state: text(SUBJECT_LIMITS.state).optional(),
  organization: text(SUBJECT_LIMITS.organization).optional(),
  validity_days: validityDays.optional(),
};

const signedFields = {
  ...subjectFields,
  issuer: caName.optional(),
  validity_behavior: z.enum(VALIDITY_BEHAVIORS).optional(),
};

const caKeyAlgorithm = z.enum(CA_KEY_ALGORITHMS, {
  error: `must be one of ${CA_KEY_ALGORITHMS.join(", ")} (Ed25519 is for devices only)`,
});

const caFields = {
  name: caName.optional(),
  common_name: text(SUBJECT_LIMITS.commonName).optional(),
  /** The seed's name for the CA's common name. */
  fqdn: text(SUBJECT_LIMITS.commonName).optional(),
  key_algorithm: caKeyAlgorithm.optional(),
  key_storage: z.enum(CA_KEY_STORAGES, { error: `must be one of ${CA_KEY_STORAGES.join(", ")}` }).optional(),
};

function subjectAltNames(allowed: readonly SubjectAltName["type"][]) {
  const kinds = allowed.map((type) => ({ dns: "DNS names", ip: "IP addresses", url: "URIs" })[type]).join(", ");
  return z
    .array(z.string().max(MAX_DNS_NAME_LENGTH, `must be at most ${MAX_DNS_NAME_LENGTH} characters`), {
      error: "must be an array of strings",
    })
    .max(MAX_SUBJECT_ALT_NAMES, `must hold at most ${MAX_SUBJECT_ALT_NAMES} names`)
    .transform((values, context) => {
      const names: SubjectAltName[] = [];
      for (const [index, value] of values.entries()) {
        const parsed = parseSubjectAltName(value);
        if (!parsed || !allowed.includes(parsed.type)) {
          context.addIssue({
            code: "custom",
            path: [index],
            message: `'${value}' is not one of: ${kinds} (a wildcard must be the whole leftmost label, e.g. *.dev.example.com)`,
          });
          continue;
        }
        names.push(parsed);
      }
      return names;
    });
}

/** Reads one SAN string: an IP literal, a URI with a scheme, or a DNS name (wildcards allowed). */
export function parseSubjectAltName(value: string): SubjectAltName | undefined {
  if (isIpAddress(value)) return { type: "ip", value };
  if (value.includes(":")) return isUri(value) ? { type: "url", value } : undefined;
  const lower = value.toLowerCase();
  return isCertificateDnsName(lower) ? { type: "dns", value: lower } : undefined;
}

function caCommonName(body: { common_name?: string | undefined; fqdn?: string | undefined }): string | undefined {
  return body.common_name ?? body.fqdn;
}

/** The wire fields every request shares, in the core's words. */
function subjectRequest<A extends string>(body: {
  country?: string | undefined;
  state?: string | undefined;
  organization?: string | undefined;
  validity_days?: number | undefined;
  key_algorithm?: A | undefined;
}) {
  return {
    country: body.country,
    state: body.state,
    organization: body.organization,
    validityDays: body.validity_days,
    keyAlgorithm: body.key_algorithm,
  };
}

/** The wire fields every CA-signed request shares, in the core's words. */
function signedRequest<A extends string>(
  body: Parameters<typeof subjectRequest<A>>[0] & {
    issuer?: string | undefined;
    validity_behavior?: (typeof VALIDITY_BEHAVIORS)[number] | undefined;
  },
) {
  return { ...subjectRequest(body), issuer: body.issuer, validityBehavior: body.validity_behavior };
}

/** `POST /certificates/root` */
export const createRootBody = z.strictObject({ ...subjectFields, ...caFields }).transform(
  (body): CreateRootRequest => ({
    name: body.name,
    commonName: caCommonName(body),
    keyStorage: body.key_storage,
    ...subjectRequest(body),
  }),
);

/** `POST /certificates/intermediate` */
export const createIntermediateBody = z.strictObject({ ...signedFields, ...caFields }).transform(
  (body): CreateIntermediateRequest => ({
    name: body.name,
    commonName: caCommonName(body),
    keyStorage: body.key_storage,
    ...signedRequest(body),
  }),
);

/** Largest CSR accepted (PEM characters); an RSA-4096 CSR is about 1.7 KB. */
export const MAX_CSR_LENGTH = 16 * 1024;

const csr = z
  .string()
  .max(MAX_CSR_LENGTH, `must be at most ${MAX_CSR_LENGTH} characters`)
  .regex(/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/, "must be a PEM certificate request (openssl req -new …)");

/** Output formats of a leaf with a server-generated key. */
export const LEAF_FORMATS = ["pem", "pkcs12"] as const;

const leafFields = {
  ...signedFields,
  csr: csr.optional(),
  format: z.enum(LEAF_FORMATS).optional(),
  pkcs12_password: z
    .string()
    .min(4, "must be at least 4 characters")
    .max(128, "must be at most 128 characters")
    // Java's PKCS12 keystore refuses non-ASCII passwords, so keep bundles openable everywhere.
    .regex(/^[\x20-\x7e]+$/, "must be printable ASCII (Java cannot open bundles with other passwords)")
    .optional(),
};

/** The output options of a leaf request: PEM (default) or a password-protected PKCS#12 bundle. */
export interface LeafOutput {
  format: (typeof LEAF_FORMATS)[number];
  pkcs12Password?: string | undefined;
}

function leafOutput(
  body: { format?: LeafOutput["format"] | undefined; pkcs12_password?: string | undefined; csr?: string | undefined },
  context: z.RefinementCtx,
): LeafOutput {
  const format = body.format ?? "pem";
  if (format === "pkcs12" && body.pkcs12_password === undefined) {
    context.addIssue({ code: "custom", path: ["pkcs12_password"], message: 'is required with format "pkcs12"' });
  }
  if (format === "pkcs12" && body.csr !== undefined) {
    context.addIssue({
      code: "custom",
      path: ["format"],
      message: '"pkcs12" needs a key the service generated; with a CSR the key stays with you',
    });
  }
  if (format !== "pkcs12" && body.pkcs12_password !== undefined) {
    context.addIssue({ code: "custom", path: ["pkcs12_password"], message: 'is only used with format "pkcs12"' });
  }
  return { format, pkcs12Password: body.pkcs12_password };
}

/** `POST /certificates/server` */
export const issueServerBody = z
  .strictObject({
    ...leafFields,
    fqdn: fqdn,
    subject_alt_names: subjectAltNames(["dns", "ip"]).optional(),
    key_algorithm: z
      .enum(ACM_IMPORTABLE_KEY_ALGORITHMS, {
        error: `must be one of ${ACM_IMPORTABLE_KEY_ALGORITHMS.join(", ")}: ACM can import only RSA and EC keys`,
      })
      .optional(),
  })
  .transform((body, context): IssueServerRequest & { output: LeafOutput } => ({
    output: leafOutput(body, context),
    csr: body.csr,
    fqdn: body.fqdn,
    subjectAltNames: body.subject_alt_names,
    ...signedRequest(body),
  }));

/** What a device certificate's AWS IoT Core registration may name (the retry route's body). */
const iotRegistrationFields = {
  thing_name: z
    .string()
    .regex(
      IOT_THING_NAME_PATTERN,
      "must be an AWS IoT thing name: 1 to 128 characters of A-Z, a-z, 0-9, ':', '_' and '-'",
    )
    .optional(),
  policy_name: z
    .string()
    .regex(
      IOT_POLICY_NAME_PATTERN,
      "must be an AWS IoT policy name: 1 to 128 characters of A-Z, a-z, 0-9 and '_', '+', '=', ',', '.', '@', '-'",
    )
    .optional(),
  without_ca: z.boolean({ error: "must be true or false" }).optional(),
};

function iotOptions(body: {
  thing_name?: string | undefined;
  policy_name?: string | undefined;
  without_ca?: boolean | undefined;
}): IotDeviceRegistrationOptions {
  return { thingName: body.thing_name, policyName: body.policy_name, withoutCa: body.without_ca };
}

/**
 * `"iot": {"register": true, "thing_name"?, "policy_name"?, "without_ca"?}` on
 * device issuance: register the certificate with AWS IoT Core once stored.
 * `"register": false` is `null`: not registered (in a batch, a device's
 * `"register": false` opts out of the batch's `iot`).
 */
const iotRegistration = z
  .strictObject({ register: z.boolean({ error: "must be true or false" }), ...iotRegistrationFields })
  .transform((body, context): IotDeviceRegistrationOptions | null => {
    if (body.register) return iotOptions(body);
    for (const field of ["thing_name", "policy_name", "without_ca"] as const) {
      if (body[field] !== undefined) {
        context.addIssue({ code: "custom", path: [field], message: 'is only used with "register": true' });
      }
    }
    return null;
  });

/** `POST /certificates/device/{serial_number}/iot-registration` (every field optional: `{}` registers the certificate as it is) */
export const deviceIotRegistrationBody = z.strictObject(iotRegistrationFields).transform(iotOptions);

/** `POST /certificates/device` */
export const issueDeviceBody = z
  .strictObject({
    ...leafFields,
    device_id: deviceId.optional(),
    subject_alt_names: subjectAltNames(["url", "dns", "ip"]).optional(),
    key_algorithm: z.enum(KEY_ALGORITHMS, { error: `must be one of ${KEY_ALGORITHMS.join(", ")}` }).optional(),
    iot: iotRegistration.optional(),
  })
  .transform((body, context): IssueDeviceRequest & { output: LeafOutput } => ({
    output: leafOutput(body, context),
    csr: body.csr,
    deviceId: body.device_id,
    subjectAltNames: body.subject_alt_names,
    iot: body.iot ?? undefined,
    ...signedRequest(body),
  }));

/** `POST /certificates/device/batch` */
export const issueDeviceBatchBody = z
  .strictObject({
    ...signedFields,
    count: z
      .number({ error: "must be a number of devices" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_BATCH_SIZE, `must be at most ${MAX_BATCH_SIZE}`)
      .optional(),
    devices: z
      .array(z.strictObject({ device_id: deviceId.optional(), csr: csr.optional(), iot: iotRegistration.optional() }), {
        error: "must be an array of {device_id?, csr?, iot?} objects",
      })
      .min(1, "must hold at least one device")
      .max(MAX_BATCH_SIZE, `must hold at most ${MAX_BATCH_SIZE} devices`)
      .optional(),
    key_algorithm: z.enum(KEY_ALGORITHMS, { error: `must be one of ${KEY_ALGORITHMS.join(", ")}` }).optional(),
    /** Every device's IoT registration; a device's own `iot` wins. */
    iot: iotRegistration.optional(),
  })
  .refine((body) => (body.count === undefined) !== (body.devices === undefined), {
    message: "give either count or devices (not both)",
    path: ["count"],
  })
  .transform(
    (body): IssueDeviceBatchRequest => ({
      count: body.count,
      devices: body.devices?.map((device) => ({ deviceId: device.device_id, csr: device.csr, iot: device.iot })),
      iot: body.iot ?? undefined,
      ...signedRequest(body),
    }),
  );

/** The request of `POST /certificates/{server|device}/{serial_number}/renew`, in the core's words. */
export interface RenewRequest {
  validityDays?: number | undefined;
  validityBehavior?: (typeof VALIDITY_BEHAVIORS)[number] | undefined;
  csr?: string | undefined;
  reuseKey?: boolean | undefined;
  revokePrevious?: boolean | undefined;
  /** Device certificates only (`iot.register`); see RenewCertificateRequest. */
  registerWithIot?: boolean | undefined;
}

const flag = z.boolean({ error: "must be true or false" });

const renewFields = {
  validity_days: validityDays.optional(),
  validity_behavior: z.enum(VALIDITY_BEHAVIORS).optional(),
  csr: csr.optional(),
  reuse_key: flag.optional(),
  revoke_previous: flag.optional(),
  format: leafFields.format,
  pkcs12_password: leafFields.pkcs12_password,
};

function renewRequest(
  body: z.infer<z.ZodObject<typeof renewFields>>,
  context: z.RefinementCtx,
): RenewRequest & { output: LeafOutput } {
  if (body.format === "pkcs12" && body.reuse_key === true) {
    context.addIssue({
      code: "custom",
      path: ["format"],
      message: '"pkcs12" needs a new key; with reuse_key the key is the one you already hold',
    });
  }
  return {
    output: leafOutput(body, context),
    validityDays: body.validity_days,
    validityBehavior: body.validity_behavior,
    csr: body.csr,
    reuseKey: body.reuse_key,
    revokePrevious: body.revoke_previous,
  };
}

/** `POST /certificates/server/{serial_number}/renew` (every field optional: `{}` renews as issued, with a new key) */
export const renewBody = z.strictObject(renewFields).transform(renewRequest);

/**
 * `POST /certificates/device/{serial_number}/renew`: as a server's, and
 * `"iot": {"register": false}` to leave the new certificate out of AWS IoT
 * Core when the old one is registered there (by default the new one is
 * registered as the old one is: same thing, policy, with or without its CA;
 * `true` asks for that, and is refused when the old one is not registered).
 */
export const renewDeviceBody = z
  .strictObject({
    ...renewFields,
    // Only `register`: the thing, policy and CA mode are the old registration's; to change them, register false, then the iot-registration route.
    iot: z.strictObject({ register: flag }, { error: 'must be {"register": true|false}' }).optional(),
  })
  .transform((body, context): RenewRequest & { output: LeafOutput } => ({
    ...renewRequest(body, context),
    registerWithIot: body.iot?.register,
  }));

/** `POST /certificates/{kind}/{id}/revoke` */
export const revokeBody = z.strictObject({
  reason: z
    .enum(REVOCATION_REASONS, { error: `must be one of ${REVOCATION_REASONS.join(", ")} (RFC 5280)` })
    .optional(),
});

/** A serial number path parameter (32 hex digits, case-insensitive). */
export const serialNumber = z
  .string()
  .transform((value) => value.toLowerCase())
  .refine(isSerialNumber, { message: "must be a serial number of 32 hexadecimal digits" });

/** Query of `GET /certificates/{kind}` */
export const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .transform(Number)
    .refine((value) => value >= 1 && value <= MAX_PAGE_SIZE, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .optional(),
  next_token: z.string().max(2048, "is not a token this API returned").optional(),
  issuer: caName.optional(),
  expires_before: z
    .string()
    .refine((value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)), {
      message: "must be an ISO 8601 date or date-time, e.g. 2027-01-31",
    })
    .transform((value) => new Date(value))
    .optional(),
  status: z.enum(CERTIFICATE_STATUSES, { error: `must be one of ${CERTIFICATE_STATUSES.join(", ")}` }).optional(),
  expires_within_days: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}`)
    .transform(Number)
    .refine(
      (value) => value >= 1 && value <= MAX_VALIDITY_DAYS,
      `must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}`,
    )
    .optional(),
});

/** IAM role ARNs as AWS IoT Core's `registrationConfig.roleArn` takes them. */
const IAM_ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** `POST /certificates/{root|intermediate}/{name}/iot-registration` (every field optional: `{}` registers in SNI_ONLY mode, active) */
export const registerCaWithIotBody = z
  .strictObject({
    mode: z.enum(["SNI_ONLY", "DEFAULT"], { error: "must be SNI_ONLY or DEFAULT" }).optional(),
    set_as_active: flag.optional(),
    allow_auto_registration: flag.optional(),
    provisioning: z
      .strictObject({
        template: z.union(
          [
            z.literal("default"),
            // A provisioning template body: AWS IoT Core checks its parameters and resources.
            z.strictObject({
              Parameters: z.record(z.string(), z.unknown()).optional(),
              Mappings: z.record(z.string(), z.unknown()).optional(),
              Resources: z.record(z.string(), z.unknown()),
            }),
          ],
          {
            error:
              'must be "default" or a provisioning template body: a JSON object with Resources (and optionally Parameters and Mappings)',
          },
        ),
        role_arn: z
          .string()
          .regex(IAM_ROLE_ARN, "must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/iot-provisioning")
          .optional(),
      })
      .optional(),
  })
  .transform(
    (body): Omit<RegisterCaWithIotRequest, "kind" | "name"> => ({
      mode: body.mode,
      setAsActive: body.set_as_active,
      allowAutoRegistration: body.allow_auto_registration,
      provisioning: body.provisioning && { template: body.provisioning.template, roleArn: body.provisioning.role_arn },
    }),
  );
