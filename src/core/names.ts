/**
 * The rules for every value that names something: CA names, device ids, DNS
 * names, IP addresses. They are defined once here; the request schemas use
 * them for clear 400s, and the storage layout checks them again before any
 * value becomes part of an object key.
 */
import { isIP } from "node:net";

/** A CA name: a lowercase URL-safe slug, 1–63 characters (e.g. `devices`). */
export const CA_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A device id: letters, digits, `_`, `-` and `.`, 1–64 characters, starting
 * with a letter or digit (so never `.` or `..`). A UUID fits.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** An AWS IoT thing name, as IoT defines it (`[a-zA-Z0-9:_-]+`, 1–128 characters). */
export const IOT_THING_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;

/** An AWS IoT policy name, as IoT defines it (`[\w+=,.@-]+`, 1–128 characters). */
export const IOT_POLICY_NAME_PATTERN = /^[\w+=,.@-]{1,128}$/;

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Longest DNS name in presentation form (RFC 1035 §2.3.4, without the root dot). */
export const MAX_DNS_NAME_LENGTH = 253;

/**
 * True for a host name under RFC 1123: dot-separated labels of letters,
 * digits and hyphens, no label starting or ending with a hyphen, lowercase.
 * A single label (`localhost`) is allowed: dev brokers often use it.
 */
export function isHostName(value: string): boolean {
  if (value.length === 0 || value.length > MAX_DNS_NAME_LENGTH) return false;
  const labels = value.split(".");
  if (labels.every((label) => /^[0-9]+$/.test(label))) return false; // looks like an IPv4 address
  return labels.every((label) => DNS_LABEL.test(label));
}

/**
 * True for a DNS name a certificate may carry in its SAN: a host name, or a
 * wildcard whose `*` is the whole leftmost label above at least two labels
 * (`*.dev.example.com`, not `*.com` or `foo*.example.com`).
 */
export function isCertificateDnsName(value: string): boolean {
  if (value.startsWith("*.")) {
    const rest = value.slice(2);
    return rest.split(".").length >= 2 && isHostName(rest);
  }
  return isHostName(value);
}

/** True for an IPv4 or IPv6 address literal. */
export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/** True for an absolute URI with a scheme (`urn:…`, `spiffe://…`, `https://…`). */
export function isUri(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
