/**
 * A minimal DER reader, enough to look at the exact bytes of a certificate's
 * serial number, subject name encoding, validity time types and public key —
 * things parsers normalise away (a leading zero octet, PrintableString versus
 * UTF8String, UTCTime versus GeneralizedTime).
 */

export interface DerNode {
  /** The identifier octet (e.g. 0x30 SEQUENCE, 0x02 INTEGER, 0xa3 [3]). */
  tag: number;
  /** The content octets. */
  content: Uint8Array;
  /** The whole encoding: identifier, length and content. */
  encoded: Uint8Array;
}

export const DER_TAG = {
  integer: 0x02,
  bitString: 0x03,
  objectIdentifier: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Reads one DER element at `offset`. */
export function readDer(bytes: Uint8Array, offset = 0): DerNode {
  const tag = at(bytes, offset);
  if ((tag & 0x1f) === 0x1f) throw new Error("multi-octet DER tags are not supported");
  let length = at(bytes, offset + 1);
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error(`unsupported DER length form at ${offset}`);
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + at(bytes, offset + 2 + index);
    header += octets;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new Error(`DER element at ${offset} runs past the end`);
  return { tag, content: bytes.subarray(offset + header, end), encoded: bytes.subarray(offset, end) };
}

/** The elements inside a constructed node (SEQUENCE, SET, explicit tag). */
export function derChildren(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new Error(`DER tag 0x${node.tag.toString(16)} is not constructed`);
  const children: DerNode[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const child = readDer(node.content, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Dotted form of an OBJECT IDENTIFIER's content. */
export function decodeObjectIdentifier(content: Uint8Array): string {
  const first = at(content, 0);
  const arcs = [Math.min(Math.floor(first / 40), 2), first - Math.min(Math.floor(first / 40), 2) * 40];
  let value = 0;
  for (const octet of content.subarray(1)) {
    value = value * 128 + (octet & 0x7f);
    if (!(octet & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}

export interface NameAttribute {
  oid: string;
  /** The string type's DER tag (0x13 PrintableString, 0x0c UTF8String, …). */
  tag: number;
  value: string;
}

/** The fields of a certificate's TBSCertificate this suite checks byte by byte. */
export interface CertificateDer {
  version: number;
  /** The serial number INTEGER's content octets, exactly as encoded. */
  serialOctets: Uint8Array;
  issuer: NameAttribute[];
  subject: NameAttribute[];
  notBefore: { tag: number; text: string };
  notAfter: { tag: number; text: string };
  /** The subjectPublicKey BIT STRING's value, without its unused-bits octet (RFC 5280 §4.2.1.2 method 1 input). */
  subjectPublicKeyBits: Uint8Array;
}

export const OID = {
  countryName: "2.5.4.6",
  stateOrProvinceName: "2.5.4.8",
  organizationName: "2.5.4.10",
  commonName: "2.5.4.3",
} as const;

/** Parses the TBSCertificate of a PEM certificate. */
export function parseCertificateDer(pem: string): CertificateDer {
  const base64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!base64) throw new Error("not a PEM certificate");
  const der = Uint8Array.from(Buffer.from(base64.replace(/\s+/g, ""), "base64"));
  const [tbs] = derChildren(readDer(der));
  if (!tbs) throw new Error("certificate without TBSCertificate");
  const fields = derChildren(tbs);
  let index = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const [versionInteger] = derChildren(fields[0]);
    version = at(versionInteger?.content ?? new Uint8Array(), 0) + 1;
    index = 1;
  }
  const [serial, , issuer, validity, subject, spki] = fields.slice(index);
  if (!serial || !issuer || !validity || !subject || !spki) throw new Error("truncated TBSCertificate");
  if (serial.tag !== DER_TAG.integer) throw new Error("serialNumber is not an INTEGER");
  const [notBefore, notAfter] = derChildren(validity);
  const [, publicKey] = derChildren(spki);
  if (!notBefore || !notAfter || !publicKey) throw new Error("truncated TBSCertificate");
  return {
    version,
    serialOctets: serial.content,
    issuer: nameAttributes(issuer),
    subject: nameAttributes(subject),
    notBefore: { tag: notBefore.tag, text: Buffer.from(notBefore.content).toString("latin1") },
    notAfter: { tag: notAfter.tag, text: Buffer.from(notAfter.content).toString("latin1") },
    subjectPublicKeyBits: publicKey.content.subarray(1),
  };
}

function nameAttributes(name: DerNode): NameAttribute[] {
  return derChildren(name).flatMap((rdn) =>
    derChildren(rdn).map((attribute) => {
      const [type, value] = derChildren(attribute);
      if (!type || !value) throw new Error("malformed AttributeTypeAndValue");
      return {
        oid: decodeObjectIdentifier(type.content),
        tag: value.tag,
        value: Buffer.from(value.content).toString("utf8"),
      };
    }),
  );
}

function at(bytes: Uint8Array, offset: number): number {
  const value = bytes[offset];
  if (value === undefined) throw new Error(`DER ends early at ${offset}`);
  return value;
}
