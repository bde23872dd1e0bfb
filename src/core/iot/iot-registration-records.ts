/**
 * What this project remembers of its AWS IoT Core registrations, beside the
 * certificates' own records (which are never rewritten):
 *
 * ```
 * iot_registrations/<root|intermediate>/<ca name>.json   a CA's registration (one per CA: created once)
 * iot_registrations/device/<serial>.json                 a device certificate's registration
 * ```
 *
 * Each is created with a conditional write, so a second registration of the
 * same CA or certificate finds the first instead of replacing it.
 */
import type { CertificateAuthorityKind } from "../certificate-profiles.js";
import { CA_NAME_PATTERN } from "../names.js";
import type { IotCaMode, ObjectStore } from "../ports.js";
import { isSerialNumber } from "../serial-number.js";

/** A CA's registration with AWS IoT Core, as `GET /certificates/{kind}/{name}` shows it. */
export interface IotCaRegistrationRecord {
  ca_certificate_id: string;
  ca_certificate_arn: string;
  mode: IotCaMode;
  status: string;
  iot_data_endpoint: string;
  allow_auto_registration: boolean;
  /** Present when just-in-time provisioning is set: `default` or `custom` (the template body is IoT's). */
  provisioning_template?: "default" | "custom";
  provisioning_role_arn?: string;
  registered_at: string;
}

/** A device certificate's registration with AWS IoT Core. */
export interface IotDeviceRegistrationRecord {
  serial_number: string;
  iot_certificate_id: string;
  iot_certificate_arn: string;
  /** `with_ca` (RegisterCertificate) or `without_ca` (RegisterCertificateWithoutCA). */
  registered: "with_ca" | "without_ca";
  thing_name?: string;
  policy_name?: string;
  registered_at: string;
}

const JSON_TYPE = "application/json";

export class IotRegistrationRecords {
  constructor(private readonly store: ObjectStore) {}

  async findCa(kind: CertificateAuthorityKind, name: string): Promise<IotCaRegistrationRecord | undefined> {
    return parse(await this.store.get(caKey(kind, name)));
  }

  /** Creates the CA's record; `false` when the CA has one already (nothing written). */
  async createCa(kind: CertificateAuthorityKind, name: string, record: IotCaRegistrationRecord): Promise<boolean> {
    return this.store.putIfAbsent(caKey(kind, name), `${JSON.stringify(record, null, 2)}\n`, JSON_TYPE);
  }

  async findDevice(serialNumber: string): Promise<IotDeviceRegistrationRecord | undefined> {
    return parse(await this.store.get(deviceKey(serialNumber)));
  }

  /** Creates the device certificate's record; `false` when it has one already (nothing written). */
  async createDevice(record: IotDeviceRegistrationRecord): Promise<boolean> {
    return this.store.putIfAbsent(deviceKey(record.serial_number), `${JSON.stringify(record, null, 2)}\n`, JSON_TYPE);
  }
}

function caKey(kind: CertificateAuthorityKind, name: string): string {
  if (!CA_NAME_PATTERN.test(name)) throw new Error("refusing unsafe CA name in an object key");
  return `iot_registrations/${kind}/${name}.json`;
}

function deviceKey(serialNumber: string): string {
  if (!isSerialNumber(serialNumber)) throw new Error("refusing unsafe serial number in an object key");
  return `iot_registrations/device/${serialNumber}.json`;
}

function parse<T>(body: string | undefined): T | undefined {
  return body === undefined ? undefined : (JSON.parse(body) as T);
}
