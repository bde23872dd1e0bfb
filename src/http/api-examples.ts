/**
 * The examples of the OpenAPI description: one walk through the API that a
 * client generated from the document (Postman, Insomnia, Swagger UI) can run
 * top to bottom against a fresh store. A root `default`, intermediates
 * `devices` and `servers` under it, a server certificate for
 * `broker.example.test`, a device `sensor-0001`, a batch, then the inventory,
 * revocation and CRLs of exactly those names. Values are real responses of
 * the local server with their PEMs shortened (`…`).
 *
 * Request examples must pass the request schemas (a unit test checks each);
 * response examples must have the fields the handlers return (the Postman
 * end-to-end test compares them with the real responses).
 */

/** An OpenAPI Example Object. */
export interface Example {
  summary: string;
  value: unknown;
}

/** Serial numbers of the walk's certificates (a real run has other, random ones; Postman captures them). */
export const EXAMPLE_SERIAL_NUMBERS = {
  root: "7b18fd80645bb6804674cd250447a1d4",
  devicesCa: "6e30cc442e0fb97e3f366f9817b8b8b9",
  serversCa: "5a9d1f0c3b7e48a2916c0d4e8f2b7a61",
  server: "61f22f10af41d31503827300ca0e15d6",
  device: "4429e97cb9d2cde1a446b13f5592bb83",
  renewedServer: "2c8e51b07d9a4f3e8b6c1d0a9e7f5b43",
  renewedDevice: "7d3f0b9e2a6c48d1b5e4f3a2c1d0e9f8",
} as const;

const ROOT_PEM = pem("CERTIFICATE", "MIIB/zCCAYWgAwIBAgIQexj9gGRbtoBGdM0lBEeh1DAKBggqhkjOPQQDAzA…");
const DEVICES_CA_PEM = pem("CERTIFICATE", "MIIB4jCCAWigAwIBAgIQbjDMRC4PuX4/Nm+YF7i4uTAKBggqhkjOPQQDAzA…");
const SERVERS_CA_PEM = pem("CERTIFICATE", "MIIB4jCCAWigAwIBAgIQWp0fDDt+SKKRbA1Ojyt6YTAKBggqhkjOPQQDAzA…");
const SERVER_PEM = pem("CERTIFICATE", "MIIB4DCCAYegAwIBAgIQYfIvEK9B0xUDgnMAyg4V1jAKBggqhkjOPQQDAjA…");
const DEVICE_PEM = pem("CERTIFICATE", "MIIBpjCCAUygAwIBAgIQRCnpfLnSzeGkRrE/VZK7gzAKBggqhkjOPQQDAjA…");
const LEAF_KEY_PEM = pem("PRIVATE KEY", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg…");

/** A real CSR (EC P-256, CN=sensor-0002), as `openssl req -new` writes it: the key stays with the device. */
export const EXAMPLE_DEVICE_CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIHQMHgCAQAwFjEUMBIGA1UEAwwLc2Vuc29yLTAwMDIwWTATBgcqhkjOPQIBBggq
hkjOPQMBBwNCAATSAxYtv3rzNkwfun8b1tRqUfgUwBbYTbea2tCCvlZaK/xoIK6G
/w21tTSNjiEqfNeoWMQNbrxCIcFxQikaULD5oAAwCgYIKoZIzj0EAwIDSAAwRQIg
XyGmVXRveFsAphcSY92GlF4+I8XL453l6y9bsNY1u7ICIQC3Eb5XpEnCshDb3eY2
Bj6e9LvbzenWLw0wmNk7JwTeKw==
-----END CERTIFICATE REQUEST-----
`;

function pem(label: string, start: string): string {
  return `-----BEGIN ${label}-----\n${start}\n-----END ${label}-----\n`;
}

const CREATED_AT = "2026-12-03T14:26:36.741Z";
const NOT_BEFORE = "2026-12-03T14:21:36.000Z";

// ---- requests -------------------------------------------------------------

export const ROOT_REQUEST_EXAMPLES: Record<string, Example> = {
  default: {
    summary: "Root CA `default` (EC P-384, 10 years)",
    value: {
      name: "default",
      common_name: "IoT Dev Root CA",
      country: "SE",
      organization: "Example IoT Lab",
      key_algorithm: "EC-P384",
      validity_days: 3650,
    },
  },
};

export const INTERMEDIATE_REQUEST_EXAMPLES: Record<string, Example> = {
  devices: {
    summary: "Intermediate `devices` under root `default`, for device certificates",
    value: {
      name: "devices",
      issuer: "default",
      common_name: "IoT Dev Devices CA",
      country: "SE",
      organization: "Example IoT Lab",
      key_algorithm: "EC-P256",
      validity_days: 1825,
    },
  },
  servers: {
    summary: "Intermediate `servers` under root `default`, for broker certificates",
    value: {
      name: "servers",
      issuer: "default",
      common_name: "IoT Dev Servers CA",
      country: "SE",
      organization: "Example IoT Lab",
      key_algorithm: "EC-P256",
      validity_days: 1825,
    },
  },
};

export const SERVER_REQUEST_EXAMPLES: Record<string, Example> = {
  broker: {
    summary: "An MQTT broker's certificate, also valid for localhost (key generated, imported into ACM)",
    value: {
      fqdn: "broker.example.test",
      subject_alt_names: ["localhost", "127.0.0.1"],
      issuer: "servers",
      key_algorithm: "EC-P256",
      validity_days: 397,
    },
  },
  "localhost-pkcs12": {
    summary: "A certificate for localhost as a PKCS#12 bundle (e.g. for a Java broker)",
    value: {
      fqdn: "localhost",
      subject_alt_names: ["127.0.0.1", "::1"],
      issuer: "servers",
      key_algorithm: "EC-P256",
      validity_days: 90,
      format: "pkcs12",
      pkcs12_password: "changeit",
    },
  },
};

export const DEVICE_REQUEST_EXAMPLES: Record<string, Example> = {
  "sensor-0001": {
    summary: "Device `sensor-0001` with a key the service generates",
    value: { device_id: "sensor-0001", issuer: "devices", key_algorithm: "EC-P256", validity_days: 365 },
  },
  "sensor-0002-csr": {
    summary: "Device `sensor-0002` from its own CSR (the private key never leaves the device)",
    value: { device_id: "sensor-0002", issuer: "devices", csr: EXAMPLE_DEVICE_CSR },
  },
  "sensor-0003-iot": {
    summary:
      "Device `sensor-0003`, registered with AWS IoT Core under its CA `devices` (registered above) and attached to thing `sensor-0003`",
    value: {
      device_id: "sensor-0003",
      issuer: "devices",
      key_algorithm: "EC-P256",
      iot: { register: true, thing_name: "sensor-0003" },
    },
  },
};

export const DEVICE_BATCH_REQUEST_EXAMPLES: Record<string, Example> = {
  count: {
    summary: "Three devices with generated ids and keys",
    value: { issuer: "devices", count: 3, key_algorithm: "EC-P256", validity_days: 365 },
  },
  named: {
    summary: "Two devices with the ids you choose",
    value: {
      issuer: "devices",
      key_algorithm: "EC-P256",
      devices: [{ device_id: "sensor-0101" }, { device_id: "sensor-0102" }],
    },
  },
  iot: {
    summary:
      "Two devices registered with AWS IoT Core (the batch's iot; a device's own wins: sensor-0202 also gets a thing)",
    value: {
      issuer: "devices",
      key_algorithm: "EC-P256",
      iot: { register: true },
      devices: [
        { device_id: "sensor-0201" },
        { device_id: "sensor-0202", iot: { register: true, thing_name: "sensor-0202" } },
      ],
    },
  },
};

export const DEVICE_IOT_REGISTRATION_REQUEST_EXAMPLES: Record<string, Example> = {
  "sensor-0001": {
    summary:
      "Register `sensor-0001` (issued without iot) with AWS IoT Core, attached to thing `sensor-0001`; also the retry an `iot.retry` names",
    value: { thing_name: "sensor-0001" },
  },
};

/** Query of the inventory listings: every filter at once (each is optional). */
export function listQueryExample(kind: "root" | "intermediate" | "server" | "device"): Record<string, string> {
  const issuer = { root: "default", intermediate: "default", server: "servers", device: "devices" }[kind];
  const last = {
    root: "default~7b18fd80645bb6804674cd250447a1d4~-~20361130T142636Z~EC-P384~default",
    intermediate: "devices~6e30cc442e0fb97e3f366f9817b8b8b9~default~20311202T142636Z~EC-P256~devices",
    server: `${EXAMPLE_SERIAL_NUMBERS.server}~${EXAMPLE_SERIAL_NUMBERS.server}~servers~20280104T142636Z~EC-P256~broker.example.test`,
    device: `${EXAMPLE_SERIAL_NUMBERS.device}~${EXAMPLE_SERIAL_NUMBERS.device}~devices~20271203T142636Z~EC-P256~sensor-0001`,
  }[kind];
  return {
    limit: "50",
    // The token of a previous page; its content is the API's business (it is only ever passed back).
    next_token: Buffer.from(JSON.stringify({ after: `inventory/${kind}/${last}` }), "utf8").toString("base64url"),
    issuer,
    expires_before: "2030-01-01",
    status: "valid",
    expires_within_days: "30",
  };
}

// ---- responses ------------------------------------------------------------

function view(fields: {
  serial: string;
  keyAlgorithm: string;
  issuer?: string;
  notAfter: string;
  folder: string;
  certificate: string;
  chain: string;
  /** CAs only: where the CA's key is kept. */
  keyStorage?: string;
}) {
  return {
    serial_number: fields.serial,
    key_algorithm: fields.keyAlgorithm,
    ...(fields.keyStorage === undefined ? {} : { key_storage: fields.keyStorage }),
    ...(fields.issuer === undefined ? {} : { issuer: fields.issuer }),
    not_before: NOT_BEFORE,
    not_after: fields.notAfter,
    s3_folder: fields.folder,
    certificate: fields.certificate,
    certificate_chain: fields.chain,
  };
}

const ROOT_VIEW = view({
  keyStorage: "s3",
  serial: EXAMPLE_SERIAL_NUMBERS.root,
  keyAlgorithm: "EC-P384",
  notAfter: "2036-11-30T14:26:36.000Z",
  folder: `root_ca/default/${EXAMPLE_SERIAL_NUMBERS.root}/`,
  certificate: ROOT_PEM,
  chain: ROOT_PEM,
});

const DEVICES_CA_VIEW = view({
  keyStorage: "s3",
  serial: EXAMPLE_SERIAL_NUMBERS.devicesCa,
  keyAlgorithm: "EC-P256",
  issuer: "default",
  notAfter: "2031-12-02T14:26:36.000Z",
  folder: `intermediate_ca/devices/${EXAMPLE_SERIAL_NUMBERS.devicesCa}/`,
  certificate: DEVICES_CA_PEM,
  chain: DEVICES_CA_PEM + ROOT_PEM,
});

const SERVERS_CA_VIEW = view({
  keyStorage: "s3",
  serial: EXAMPLE_SERIAL_NUMBERS.serversCa,
  keyAlgorithm: "EC-P256",
  issuer: "default",
  notAfter: "2031-12-02T14:26:36.000Z",
  folder: `intermediate_ca/servers/${EXAMPLE_SERIAL_NUMBERS.serversCa}/`,
  certificate: SERVERS_CA_PEM,
  chain: SERVERS_CA_PEM + ROOT_PEM,
});

const SERVER_VIEW = view({
  serial: EXAMPLE_SERIAL_NUMBERS.server,
  keyAlgorithm: "EC-P256",
  issuer: "servers",
  notAfter: "2028-01-04T14:26:36.000Z",
  folder: `server_certificates/broker.example.test/${EXAMPLE_SERIAL_NUMBERS.server}/`,
  certificate: SERVER_PEM,
  chain: SERVERS_CA_PEM + ROOT_PEM,
});

const DEVICE_VIEW = view({
  serial: EXAMPLE_SERIAL_NUMBERS.device,
  keyAlgorithm: "EC-P256",
  issuer: "devices",
  notAfter: "2027-12-03T14:26:36.000Z",
  folder: `device_certificates/sensor-0001/${EXAMPLE_SERIAL_NUMBERS.device}/`,
  certificate: DEVICE_PEM,
  chain: DEVICES_CA_PEM + ROOT_PEM,
});

const ACM_ARN = "arn:aws:acm:eu-north-1:123456789012:certificate/8df3ffe5-ee9c-461e-846f-3c2fbf4ba8fa";

/** IoT's ids (SHA-256 of the certificate's DER) of the walk's registered devices. */
const IOT_CERTIFICATE_IDS = {
  sensor1: "9b1e4f4c7d0a2e6b5c3f8a1d2e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c",
  sensor3: "3f9c2b7e1a6d5c4b8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
  sensor201: "c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4",
  sensor202: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
  /** sensor-0001's renewal. */
  renewedSensor1: "e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3",
} as const;

const IOT_DEVICE_ARN_PREFIX = "arn:aws:iot:eu-north-1:123456789012:cert/";

/** `iot` of a device certificate registered with AWS IoT Core. */
function iotRegistered(certificateId: string, thingName: string | null, registration: "with_ca" | "without_ca") {
  return {
    registered: true,
    iot_certificate_id: certificateId,
    iot_certificate_arn: `${IOT_DEVICE_ARN_PREFIX}${certificateId}`,
    thing_name: thingName,
    policy_name: null,
    registration,
  };
}

export const ROOT_CREATED_EXAMPLES: Record<string, Example> = {
  default: {
    summary: "Root CA created",
    value: { message: "Root CA created and stored.", name: "default", ...ROOT_VIEW },
  },
};

export const INTERMEDIATE_CREATED_EXAMPLES: Record<string, Example> = {
  devices: {
    summary: "Intermediate CA created",
    value: { message: "Intermediate CA created and stored.", name: "devices", ...DEVICES_CA_VIEW },
  },
  servers: {
    summary: "Intermediate CA created",
    value: { message: "Intermediate CA created and stored.", name: "servers", ...SERVERS_CA_VIEW },
  },
};

// ---- AWS IoT Core ---------------------------------------------------------

/** The walk's IoT ids: the SHA-256 of each CA certificate's DER, as IoT computes them. */
const ROOT_IOT_ID = "3b1f5e0c9a7d42e8b6c4f2a0d8e6c4b2a09f8e7d6c5b4a39281706f5e4d3c2b1";
const DEVICES_CA_IOT_ID = "9c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b1d3f5e7c9a1b3d5f7e9c1a3b5d7f9e1c";
const IOT_ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-north-1.amazonaws.com";
const IOT_ARN_PREFIX = "arn:aws:iot:eu-north-1:123456789012:cacert/";
const PROVISIONING_ROLE_ARN = "arn:aws:iam::123456789012:role/iot-certificates-IotProvisioningRole-1A2B3C4D5E6F";
const REGISTRATION_CODE = "5c7f2b9e1d4a8c6e0f3b7a9d2c5e8f1a4b7d0c3e6f9a2b5c8d1e4f7a0b3c6d9e";
const VERIFICATION_PEM = pem("CERTIFICATE", "MIIB1DCCAXqgAwIBAgIQKx0vB3g5rXW2cM1kHq0fJjAKBggqhkjOPQQDAjA…");
const REGISTERED_AT = "2026-12-03T14:26:37.102Z";

/** `iot_registration` of the walk's CAs, as `GET /certificates/{kind}/{name}` shows it. */
const ROOT_IOT_REGISTRATION = {
  ca_certificate_id: ROOT_IOT_ID,
  ca_certificate_arn: `${IOT_ARN_PREFIX}${ROOT_IOT_ID}`,
  mode: "SNI_ONLY",
  status: "ACTIVE",
  iot_data_endpoint: IOT_ENDPOINT,
  allow_auto_registration: false,
  registered_at: REGISTERED_AT,
};

const DEVICES_CA_IOT_REGISTRATION = {
  ca_certificate_id: DEVICES_CA_IOT_ID,
  ca_certificate_arn: `${IOT_ARN_PREFIX}${DEVICES_CA_IOT_ID}`,
  mode: "DEFAULT",
  status: "ACTIVE",
  iot_data_endpoint: IOT_ENDPOINT,
  allow_auto_registration: true,
  provisioning_template: "default",
  provisioning_role_arn: PROVISIONING_ROLE_ARN,
  registered_at: REGISTERED_AT,
};

export const IOT_REGISTRATION_REQUEST_EXAMPLES: Record<"root" | "intermediate", Record<string, Example>> = {
  root: {
    "sni-only": {
      summary: "Root `default` in SNI_ONLY mode (the default: no verification certificate; devices send SNI), active",
      value: {},
    },
  },
  intermediate: {
    "default-mode-jitp": {
      summary:
        "Intermediate `devices` in DEFAULT mode (this service signs the verification certificate) with just-in-time provisioning by the default template and the stack's role",
      value: { mode: "DEFAULT", provisioning: { template: "default" } },
    },
  },
};

export const IOT_REGISTERED_EXAMPLES: Record<"root" | "intermediate", Record<string, Example>> = {
  root: {
    "sni-only": {
      summary: "Registered and active; devices connect to the ATS endpoint, sending SNI",
      value: {
        message: "The root CA is registered with AWS IoT Core.",
        kind: "root",
        name: "default",
        ...ROOT_IOT_REGISTRATION,
      },
    },
  },
  intermediate: {
    "default-mode-jitp": {
      summary:
        "Registered with the verification certificate IoT checked (CN: the registration code); devices are provisioned on their first connection",
      value: {
        message: "The intermediate CA is registered with AWS IoT Core.",
        kind: "intermediate",
        name: "devices",
        ...DEVICES_CA_IOT_REGISTRATION,
        registration_code: REGISTRATION_CODE,
        verification_certificate: VERIFICATION_PEM,
      },
    },
  },
};

/** A CA's registration problems: registered already (409), or refused by IoT (its error code in `detail`). */
export const IOT_REGISTRATION_PROBLEM_EXAMPLES: Record<string, Example> = {
  "registered-already": {
    summary: "The CA is registered already: the existing registration is named and left unchanged",
    value: {
      type: "urn:iot-certificates:problem:conflict",
      title: "Conflict",
      status: 409,
      detail: `the intermediate CA 'devices' is already registered with AWS IoT Core as CA certificate ${DEVICES_CA_IOT_ID}; it was left unchanged`,
      field: "name",
    },
  },
  "subject-limit": {
    summary: "AWS IoT Core refused: 10 CA certificates with this subject are registered in the account already",
    value: {
      type: "urn:iot-certificates:problem:aws-iot-core-refused-the-request",
      title: "AWS IoT Core refused the request",
      status: 409,
      detail:
        "LimitExceededException: The number of CA certificates with the same subject field has reached the limit of 10",
    },
  },
};

export const SERVER_ISSUED_EXAMPLES: Record<string, Example> = {
  broker: {
    summary: "Issued, stored and imported into ACM; the private key is in this response only",
    value: {
      message: "Server certificate created, stored, and imported to ACM.",
      fqdn: "broker.example.test",
      acm_certificate_arn: ACM_ARN,
      acm_import: "imported",
      ...SERVER_VIEW,
      private_key: LEAF_KEY_PEM,
    },
  },
  "localhost-pkcs12": {
    summary: "Issued as a PKCS#12 bundle (base64), protected by pkcs12_password",
    value: {
      message: "Server certificate created, stored, and imported to ACM.",
      fqdn: "localhost",
      acm_certificate_arn: ACM_ARN.replace("8df3ffe5", "0b7c21aa"),
      acm_import: "imported",
      ...SERVER_VIEW,
      s3_folder: `server_certificates/localhost/${EXAMPLE_SERIAL_NUMBERS.server}/`,
      pkcs12: "MIIGqQIBAzCCBl8GCSqGSIb3DQEHAaCCBlAEggZMMIIGSDCCA…",
    },
  },
};

export const DEVICE_ISSUED_EXAMPLES: Record<string, Example> = {
  "sensor-0001": {
    summary: "Issued and stored; the private key is in this response only",
    value: {
      message: "Device certificate created and stored.",
      device_id: "sensor-0001",
      ...DEVICE_VIEW,
      private_key: LEAF_KEY_PEM,
    },
  },
  "sensor-0002-csr": {
    summary: "Issued for the CSR: no key in the response",
    value: {
      message: "Device certificate issued for the CSR and stored.",
      device_id: "sensor-0002",
      ...DEVICE_VIEW,
      s3_folder: `device_certificates/sensor-0002/${EXAMPLE_SERIAL_NUMBERS.device}/`,
    },
  },
  "sensor-0003-iot": {
    summary:
      "Issued, stored and registered with AWS IoT Core (`iot.registered`; when false, `iot.failed_step`, `iot.error` and `iot.retry` say what to do, and the certificate is stored all the same)",
    value: {
      message: "Device certificate created and stored.",
      device_id: "sensor-0003",
      ...DEVICE_VIEW,
      s3_folder: `device_certificates/sensor-0003/${EXAMPLE_SERIAL_NUMBERS.device}/`,
      private_key: LEAF_KEY_PEM,
      iot: iotRegistered(IOT_CERTIFICATE_IDS.sensor3, "sensor-0003", "with_ca"),
    },
  },
};

function batchResult(deviceId: string, serial: string) {
  return {
    device_id: deviceId,
    status: 201,
    serial_number: serial,
    key_algorithm: "EC-P256",
    not_before: NOT_BEFORE,
    not_after: "2027-12-03T14:26:36.000Z",
    s3_folder: `device_certificates/${deviceId}/${serial}/`,
    certificate: DEVICE_PEM,
    private_key: LEAF_KEY_PEM,
  };
}

export const DEVICE_BATCH_ISSUED_EXAMPLES: Record<string, Example> = {
  count: {
    summary: "Every device issued (one result per device; the issuer chain once)",
    value: {
      message: "3 of 3 device certificates issued.",
      issuer: "devices",
      issued: 3,
      failed: 0,
      certificate_chain: DEVICES_CA_PEM + ROOT_PEM,
      results: [
        batchResult("7b3818bb-76ee-4dba-8930-2d2f1158aafa", "7638f14390093677f5fd15d3b735d3b2"),
        batchResult("1c3d0e68-29a5-4414-a8d5-782ab8f35833", "4b4cf4c545261c02740eeac3a089b5b4"),
        batchResult("d2b7e0c4-5a61-4f0e-9c3b-8e1f2a7d6c50", "52e1c0a9b8f7d6e5c4b3a29180f7e6d5"),
      ],
    },
  },
  named: {
    summary: "Every device issued",
    value: {
      message: "2 of 2 device certificates issued.",
      issuer: "devices",
      issued: 2,
      failed: 0,
      certificate_chain: DEVICES_CA_PEM + ROOT_PEM,
      results: [
        batchResult("sensor-0101", "6a1f0e9d8c7b6a5f4e3d2c1b0a998877"),
        batchResult("sensor-0102", "41f2e3d4c5b6a79881726354a5b6c7d8"),
      ],
    },
  },
  iot: {
    summary: "Every device issued and registered with AWS IoT Core (`iot` counts them; each result has its own `iot`)",
    value: {
      message: "2 of 2 device certificates issued.",
      issuer: "devices",
      issued: 2,
      failed: 0,
      iot: { registered: 2, failed: 0 },
      certificate_chain: DEVICES_CA_PEM + ROOT_PEM,
      results: [
        {
          ...batchResult("sensor-0201", "5b6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0"),
          iot: iotRegistered(IOT_CERTIFICATE_IDS.sensor201, null, "with_ca"),
        },
        {
          ...batchResult("sensor-0202", "3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"),
          iot: iotRegistered(IOT_CERTIFICATE_IDS.sensor202, "sensor-0202", "with_ca"),
        },
      ],
    },
  },
};

export const DEVICE_IOT_REGISTERED_EXAMPLES: Record<string, Example> = {
  "sensor-0001": {
    summary: "Registered with AWS IoT Core now",
    value: {
      message: "Device certificate registered with AWS IoT Core.",
      device_id: "sensor-0001",
      serial_number: EXAMPLE_SERIAL_NUMBERS.device,
      iot: iotRegistered(IOT_CERTIFICATE_IDS.sensor1, "sensor-0001", "with_ca"),
    },
  },
};

export const DEVICE_IOT_SYNCED_EXAMPLES: Record<string, Example> = {
  completed: {
    summary: "IoT held it already (an earlier attempt): its thing and policy attached again, not registered twice",
    value: {
      message: "Device certificate was registered with AWS IoT Core already; its thing and policy are attached.",
      device_id: "sensor-0001",
      serial_number: EXAMPLE_SERIAL_NUMBERS.device,
      iot: iotRegistered(IOT_CERTIFICATE_IDS.sensor1, "sensor-0001", "with_ca"),
    },
  },
  revoked: {
    summary:
      "The certificate is revoked here: its IoT certificate is now REVOKED (the retry of a revocation's IoT step)",
    value: {
      message: "Device certificate is revoked; its AWS IoT Core certificate is now REVOKED.",
      device_id: "sensor-0001",
      serial_number: EXAMPLE_SERIAL_NUMBERS.device,
      iot: { ...iotRegistered(IOT_CERTIFICATE_IDS.sensor1, "sensor-0001", "with_ca"), status: "REVOKED" },
    },
  },
};

export const DEVICE_BATCH_PARTIAL_EXAMPLES: Record<string, Example> = {
  "iot-step-failed": {
    summary:
      "Both devices issued and stored; AWS IoT Core refused sensor-0202's policy (it does not exist): `iot.failed_step`, IoT's error, and the retry to send once the policy exists",
    value: {
      message: "2 of 2 device certificates issued.",
      issuer: "devices",
      issued: 2,
      failed: 0,
      iot: { registered: 1, failed: 1 },
      certificate_chain: DEVICES_CA_PEM + ROOT_PEM,
      results: [
        {
          ...batchResult("sensor-0201", "5b6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0"),
          iot: { ...iotRegistered(IOT_CERTIFICATE_IDS.sensor201, null, "with_ca"), policy_name: "FleetPolicy" },
        },
        {
          ...batchResult("sensor-0202", "3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"),
          iot: {
            registered: false,
            failed_step: "attach_policy",
            error: {
              code: "ResourceNotFoundException",
              status: 404,
              detail: "ResourceNotFoundException: The policy FleetPolicy does not exist.",
            },
            iot_certificate_id: IOT_CERTIFICATE_IDS.sensor202,
            iot_certificate_arn: `${IOT_DEVICE_ARN_PREFIX}${IOT_CERTIFICATE_IDS.sensor202}`,
            thing_name: null,
            policy_name: "FleetPolicy",
            retry: {
              method: "POST",
              path: "/certificates/device/3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b/iot-registration",
              body: { policy_name: "FleetPolicy" },
            },
          },
        },
      ],
    },
  },
  partial: {
    summary: "One device's CSR did not verify: that device failed, the other was issued",
    value: {
      message: "1 of 2 device certificates issued.",
      issuer: "devices",
      issued: 1,
      failed: 1,
      certificate_chain: DEVICES_CA_PEM + ROOT_PEM,
      results: [
        batchResult("sensor-0101", "6a1f0e9d8c7b6a5f4e3d2c1b0a998877"),
        {
          device_id: "sensor-0102",
          status: 400,
          error: {
            type: "urn:iot-certificates:problem:invalid-request",
            title: "Invalid request",
            status: 400,
            detail: "the CSR's signature does not verify with its own public key",
            field: "csr",
          },
        },
      ],
    },
  },
};

/** One row of each listing, as `GET /certificates/{kind}` returns it. */
export function listResponseExample(kind: "root" | "intermediate" | "server" | "device"): Record<string, Example> {
  const item = {
    root: {
      id: "default",
      kind: "root",
      name: "default",
      serial_number: EXAMPLE_SERIAL_NUMBERS.root,
      not_after: ROOT_VIEW.not_after,
      key_algorithm: "EC-P384",
      status: "valid",
    },
    intermediate: {
      id: "devices",
      kind: "intermediate",
      name: "devices",
      serial_number: EXAMPLE_SERIAL_NUMBERS.devicesCa,
      issuer: "default",
      not_after: DEVICES_CA_VIEW.not_after,
      key_algorithm: "EC-P256",
      status: "valid",
    },
    server: {
      id: EXAMPLE_SERIAL_NUMBERS.server,
      kind: "server",
      fqdn: "broker.example.test",
      serial_number: EXAMPLE_SERIAL_NUMBERS.server,
      issuer: "servers",
      not_after: SERVER_VIEW.not_after,
      key_algorithm: "EC-P256",
      status: "valid",
    },
    device: {
      id: EXAMPLE_SERIAL_NUMBERS.device,
      kind: "device",
      device_id: "sensor-0001",
      serial_number: EXAMPLE_SERIAL_NUMBERS.device,
      issuer: "devices",
      not_after: DEVICE_VIEW.not_after,
      key_algorithm: "EC-P256",
      status: "valid",
    },
  }[kind];
  return {
    page: {
      summary: "One page; pass next_token back for the next one (null on the last page)",
      value: { items: [item], next_token: null },
    },
  };
}

export function certificateDetailsExample(
  kind: "root" | "intermediate" | "server" | "device",
): Record<string, Example> {
  const value = {
    root: {
      kind: "root",
      name: "default",
      status: "valid",
      created_at: CREATED_AT,
      ...ROOT_VIEW,
      iot_registration: ROOT_IOT_REGISTRATION,
    },
    intermediate: {
      kind: "intermediate",
      name: "devices",
      status: "valid",
      created_at: CREATED_AT,
      ...DEVICES_CA_VIEW,
      iot_registration: DEVICES_CA_IOT_REGISTRATION,
    },
    server: {
      kind: "server",
      fqdn: "broker.example.test",
      status: "valid",
      acm_certificate_arn: ACM_ARN,
      created_at: CREATED_AT,
      ...SERVER_VIEW,
    },
    device: {
      kind: "device",
      device_id: "sensor-0001",
      status: "valid",
      created_at: CREATED_AT,
      ...DEVICE_VIEW,
      // Registered by the walk's `POST /certificates/device/{serial_number}/iot-registration`.
      iot_registration: {
        ...iotRegistered(IOT_CERTIFICATE_IDS.sensor1, "sensor-0001", "with_ca"),
        registered_at: REGISTERED_AT,
      },
    },
  }[kind];
  return { certificate: { summary: "Metadata, certificate and chain; never a key", value } };
}

/** The PEM bundle `Accept: application/x-pem-file` returns: the certificate, then its issuers. */
export function certificatePemExample(kind: "root" | "intermediate" | "server" | "device"): string {
  return (
    { root: ROOT_PEM, intermediate: DEVICES_CA_PEM + ROOT_PEM, server: SERVER_PEM, device: DEVICE_PEM }[kind] +
    (kind === "server" ? SERVERS_CA_PEM + ROOT_PEM : kind === "device" ? DEVICES_CA_PEM + ROOT_PEM : "")
  );
}

export const RENEW_REQUEST_EXAMPLES = {
  device: {
    "new-key": { summary: "A new key, the same subject, issuer and lifetime", value: {} },
  },
  server: {
    "new-key": {
      summary: "A new key for 397 days; re-imported into ACM on the same certificate ARN",
      value: { validity_days: 397 },
    },
  },
} satisfies Record<string, Record<string, Example>>;

/** The walk's renewal of sensor-0001, which AWS IoT Core holds (registered on thing `sensor-0001`). */
const RENEWED_DEVICE = {
  message: `Device certificate ${EXAMPLE_SERIAL_NUMBERS.device} renewed by ${EXAMPLE_SERIAL_NUMBERS.renewedDevice}.`,
  kind: "device",
  device_id: "sensor-0001",
  renews: EXAMPLE_SERIAL_NUMBERS.device,
  key: "new",
  ...DEVICE_VIEW,
  serial_number: EXAMPLE_SERIAL_NUMBERS.renewedDevice,
  s3_folder: `device_certificates/sensor-0001/${EXAMPLE_SERIAL_NUMBERS.renewedDevice}/`,
  private_key: LEAF_KEY_PEM,
  iot: iotRegistered(IOT_CERTIFICATE_IDS.renewedSensor1, "sensor-0001", "with_ca"),
  previous: {
    serial_number: EXAMPLE_SERIAL_NUMBERS.device,
    not_after: DEVICE_VIEW.not_after,
    renewed_by: EXAMPLE_SERIAL_NUMBERS.renewedDevice,
    status: "valid",
  },
};

export const RENEWED_EXAMPLES: Record<"device" | "server", Record<string, Example>> = {
  device: {
    "new-key": {
      summary:
        "Renewed: the new certificate and key (in this response only), linked to the old one; AWS IoT Core held the old one, so the new one is registered the same way (`iot`, as on issuance), and the old one stays ACTIVE there until it expires",
      value: RENEWED_DEVICE,
    },
    "revoke-previous": {
      summary:
        "With revoke_previous: the old certificate is revoked (superseded) and AWS IoT Core has it REVOKED (`previous.iot`; `updated` false: `previous.iot.retry` sets the status)",
      value: {
        ...RENEWED_DEVICE,
        previous: {
          ...RENEWED_DEVICE.previous,
          status: "revoked",
          revoked_at: "2026-12-03T14:26:37.000Z",
          revocation_reason: "superseded",
          crl_path: "/crl/intermediate/devices",
          iot: {
            updated: true,
            iot_certificate_id: IOT_CERTIFICATE_IDS.sensor1,
            iot_certificate_arn: `${IOT_DEVICE_ARN_PREFIX}${IOT_CERTIFICATE_IDS.sensor1}`,
            status: "REVOKED",
          },
        },
      },
    },
  },
  server: {
    "new-key": {
      summary: "Renewed and re-imported into ACM on the same ARN; the new key is in this response only",
      value: {
        message: `Server certificate ${EXAMPLE_SERIAL_NUMBERS.server} renewed by ${EXAMPLE_SERIAL_NUMBERS.renewedServer}; re-imported into ACM on the same certificate ARN: whatever uses ${ACM_ARN} (load balancers, custom domains) now serves the new certificate, with no change on its side.`,
        kind: "server",
        fqdn: "broker.example.test",
        renews: EXAMPLE_SERIAL_NUMBERS.server,
        key: "new",
        acm_certificate_arn: ACM_ARN,
        acm_import: "reimported",
        ...SERVER_VIEW,
        serial_number: EXAMPLE_SERIAL_NUMBERS.renewedServer,
        s3_folder: `server_certificates/broker.example.test/${EXAMPLE_SERIAL_NUMBERS.renewedServer}/`,
        private_key: LEAF_KEY_PEM,
        previous: {
          serial_number: EXAMPLE_SERIAL_NUMBERS.server,
          not_after: SERVER_VIEW.not_after,
          renewed_by: EXAMPLE_SERIAL_NUMBERS.renewedServer,
          status: "valid",
        },
      },
    },
  },
};

export const REVOKE_REQUEST_EXAMPLES = {
  device: { keyCompromise: { summary: "The device's key was exposed", value: { reason: "keyCompromise" } } },
  server: { superseded: { summary: "Replaced by a new certificate", value: { reason: "superseded" } } },
  intermediate: {
    cessationOfOperation: { summary: "The CA is retired", value: { reason: "cessationOfOperation" } },
  },
  root: { attempt: { summary: "Always refused: take a root out of the trust stores instead", value: {} } },
} satisfies Record<string, Record<string, Example>>;

export const REVOKED_EXAMPLES: Record<"device" | "server" | "intermediate", Record<string, Example>> = {
  device: {
    keyCompromise: {
      summary:
        "Revoked; the issuer's CRL was re-signed, and AWS IoT Core, which holds it, has it REVOKED (`iot`, only for a device IoT holds; `iot.updated` false: the revocation stands, `iot.retry` sets the IoT status)",
      value: {
        message: "Certificate revoked; the CRL of intermediate CA 'devices' was re-signed.",
        kind: "device",
        device_id: "sensor-0001",
        serial_number: EXAMPLE_SERIAL_NUMBERS.device,
        status: "revoked",
        revoked_at: "2026-12-03T14:26:37.000Z",
        revocation_reason: "keyCompromise",
        crl_path: "/crl/intermediate/devices",
        iot: {
          updated: true,
          iot_certificate_id: IOT_CERTIFICATE_IDS.sensor1,
          iot_certificate_arn: `${IOT_DEVICE_ARN_PREFIX}${IOT_CERTIFICATE_IDS.sensor1}`,
          status: "REVOKED",
        },
      },
    },
  },
  server: {
    superseded: {
      summary: "Revoked; the issuer's CRL was re-signed",
      value: {
        message: "Certificate revoked; the CRL of intermediate CA 'servers' was re-signed.",
        kind: "server",
        fqdn: "broker.example.test",
        serial_number: EXAMPLE_SERIAL_NUMBERS.server,
        status: "revoked",
        revoked_at: "2026-12-03T14:26:37.000Z",
        revocation_reason: "superseded",
        crl_path: "/crl/intermediate/servers",
      },
    },
  },
  intermediate: {
    cessationOfOperation: {
      summary: "Revoked; the root's CRL was re-signed",
      value: {
        message: "Certificate revoked; the CRL of root CA 'default' was re-signed.",
        kind: "intermediate",
        name: "servers",
        serial_number: EXAMPLE_SERIAL_NUMBERS.serversCa,
        status: "revoked",
        revoked_at: "2026-12-03T14:26:37.000Z",
        revocation_reason: "cessationOfOperation",
        crl_path: "/crl/root/default",
      },
    },
  },
};

export const ROOT_REVOKE_REFUSED_EXAMPLES: Record<string, Example> = {
  attempt: {
    summary: "Roots cannot be revoked",
    value: {
      type: "urn:iot-certificates:problem:invalid-request",
      title: "Invalid request",
      status: 400,
      detail: "a root CA cannot be revoked: remove it from the trust stores instead",
      field: "kind",
    },
  },
};

export const CRL_PEM_EXAMPLE = `-----BEGIN X509 CRL-----
MIIBDjCBtQIBATAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJJb1QgRGV2IERldmlj
ZXMgQ0EXDTI2MTIwMzE0MjYzN1oXDTI2MTIxMDE0MjYzN1owMTAvAhBEKel8udLN…
-----END X509 CRL-----
`;

/** One problem+json example per error status of the API. */
export const PROBLEM_EXAMPLES: Record<string, { title: string; detail: string; field?: string }> = {
  "400": { title: "Invalid request", detail: "validity_days must be at most 9125 (25 years)", field: "validity_days" },
  "404": {
    title: "Not found",
    detail: "no intermediate CA named 'devices' exists: create it first with POST /certificates/intermediate",
    field: "issuer",
  },
  "409": {
    title: "Conflict",
    detail: "a root CA named 'default' already exists; it was left unchanged. Choose another name.",
    field: "name",
  },
  "413": { title: "Content too large", detail: "the request body must be at most 65536 bytes" },
  "422": {
    title: "Idempotency key reused",
    detail: "this Idempotency-Key was already used with a different request body; use a new key for a new request",
    field: "Idempotency-Key",
  },
  "503": {
    title: "Service unavailable",
    detail:
      "ACM ImportCertificate failed: 503 ServiceUnavailable. Nothing half-done is visible; retrying the same request is safe.",
  },
};
