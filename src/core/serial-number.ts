/**
 * Certificate serial numbers: 16 random octets with the top bit cleared (so
 * the INTEGER is positive) and the next bit set (so it is always exactly 16
 * octets, never shortened by a leading zero). That is 126 bits of entropy,
 * well above the 64 bits CA/Browser Forum asks for and under RFC 5280's
 * 20-octet limit.
 */
export const SERIAL_NUMBER_OCTETS = 16;

/** A new random serial number as lowercase hex (32 characters). */
export function randomSerialNumber(crypto: Crypto = globalThis.crypto): string {
  const octets = crypto.getRandomValues(new Uint8Array(SERIAL_NUMBER_OCTETS));
  octets[0] = ((octets[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(octets).toString("hex");
}

/** True for a serial number this service could have issued (32 lowercase hex digits). */
export function isSerialNumber(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}
