/**
 * The names every certificate event carries (its EventBridge `source` and
 * `detail-type`), apart from the events themselves so that the OpenAPI
 * document can name them without bundling @peculiar/x509.
 */

/** The `source` of every event. */
export const EVENT_SOURCE = "iot-certificates";

/** The `detail-type` of each event. */
export const DETAIL_TYPES = {
  issued: "Certificate Issued",
  renewed: "Certificate Renewed",
  revoked: "Certificate Revoked",
  crlPublished: "CRL Published",
  expiring: "Certificate Expiring",
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];
