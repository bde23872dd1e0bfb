/**
 * PEM (RFC 7468): the one encoder and decoder of the codebase, for
 * certificates, CRLs, private keys and anything else that travels as text.
 */

/**
 * PEM text of `der` under `label` (e.g. `CERTIFICATE`, `X509 CRL`, `PRIVATE KEY`),
 * as OpenSSL and @peculiar/x509 write it: base64 in 64-character lines, LF line
 * ends, and a trailing newline so that PEMs concatenate into chains.
 */
export function pemEncode(der: ArrayBuffer | ArrayBufferView, label: string): string {
  const bytes = ArrayBuffer.isView(der)
    ? Buffer.from(der.buffer, der.byteOffset, der.byteLength)
    : Buffer.from(new Uint8Array(der));
  const lines = bytes.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.map((line) => `${line}\n`).join("")}-----END ${label}-----\n`;
}

/**
 * The DER of the first PEM block labelled `label` in `pem`. Lenient as RFC 7468
 * §3 allows readers to be (any whitespace in the base64, text around the
 * block); throws when there is no such block.
 */
export function pemDecode(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) throw new Error(`not a PEM ${label}`);
  return Uint8Array.from(Buffer.from(match[1].replace(/\s+/g, ""), "base64"));
}
