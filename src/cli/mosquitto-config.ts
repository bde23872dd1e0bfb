/**
 * The `mosquitto.conf` the CLI writes next to a broker's certificate and key:
 * the smallest Mosquitto 2.x configuration for mutual TLS that
 * docs/brokers.md explains line by line.
 */

/** Port of the MQTT-over-TLS listener when none is given: the IANA port for MQTT over TLS. */
export const DEFAULT_MQTT_TLS_PORT = 8883;

export interface MosquittoConfigOptions {
  /** The broker's name, for the comment at the top. */
  fqdn: string;
  /** Listener port; default DEFAULT_MQTT_TLS_PORT (8883). */
  port?: number;
}

/**
 * The configuration text. The file names are relative because the bundle
 * (`ca.crt`, `server.crt`, `server.key`) travels as one directory; Mosquitto
 * resolves relative paths against its working directory, so it is started
 * from the bundle's directory.
 */
export function mosquittoConfig({ fqdn, port = DEFAULT_MQTT_TLS_PORT }: MosquittoConfigOptions): string {
  return [
    `# Mosquitto 2.x broker ${fqdn} with mutual TLS, written by iot-certs.`,
    "# Start it from this directory (the file names below are relative to it):",
    "#   mosquitto -c mosquitto.conf",
    "# Devices trust ca.crt and present their client.crt and client.key; the CN of a",
    "# device certificate (its device_id) becomes its MQTT user name (usable in an acl_file).",
    `listener ${port}`,
    "cafile ca.crt",
    "certfile server.crt",
    "keyfile server.key",
    "require_certificate true",
    "use_identity_as_username true",
    "allow_anonymous false",
    "",
  ].join("\n");
}
