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
  const octets =
    crypto === globalThis.crypto ? pooledRandomOctets() : crypto.getRandomValues(new Uint8Array(SERIAL_NUMBER_OCTETS));
  octets[0] = ((octets[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(octets).toString("hex");
}

/**
 * Serials from Node's CSPRNG, drawn 4 KiB at a time: each call to
 * getRandomValues costs ~30 µs under OpenSSL 3 (its DRBG lock), whatever the
 * size, which was a tenth of an EC certificate's main-thread time. Node's
 * randomUUID() pools its randomness the same way. Used bytes are zeroed.
 */
const POOL_OCTETS = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;

function pooledRandomOctets(): Uint8Array {
  if (poolOffset + SERIAL_NUMBER_OCTETS > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(POOL_OCTETS));
    poolOffset = 0;
  }
  const octets = pool.slice(poolOffset, poolOffset + SERIAL_NUMBER_OCTETS);
  pool.fill(0, poolOffset, poolOffset + SERIAL_NUMBER_OCTETS);
  poolOffset += SERIAL_NUMBER_OCTETS;
  return octets;
}

/** True for a serial number this service could have issued (32 lowercase hex digits). */
export function isSerialNumber(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

/**
 * The content octets of the positive INTEGER whose value is `hex`, as X.509
 * structures take a serial number: minimal, with a leading 00 octet when the
 * top bit is set (RFC 5280 §4.1.2.2: serials are positive).
 */
export function serialNumberOctets(hex: string): ArrayBuffer {
  if (!/^[0-9a-f]+$/i.test(hex) || /^0+$/.test(hex)) throw new RangeError("a serial number is a positive hex integer");
  let digits = BigInt(`0x${hex}`).toString(16);
  if (digits.length % 2 === 1) digits = `0${digits}`;
  if (/^[89a-f]/.test(digits)) digits = `00${digits}`;
  const octets = Buffer.from(digits, "hex");
  return octets.buffer.slice(octets.byteOffset, octets.byteOffset + octets.byteLength) as ArrayBuffer;
}
