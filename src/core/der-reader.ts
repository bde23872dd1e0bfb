/**
 * A small, strict DER reader (X.690 §8 and §10): the reading half of the DER
 * helpers `certificate-builder.ts` and `key-algorithms.ts` write with. It
 * reads one TLV at a time from a cursor over a Uint8Array and refuses what
 * DER does not allow, so a caller that walks a structure with it sees every
 * byte exactly once:
 *
 * - low-tag-number form only (every tag in X.509 and PKCS#10 is below 31),
 *   and no end-of-contents (00 00, which only ends indefinite lengths);
 * - definite lengths only, in their shortest form (no 0x80, no `81 05`, no
 *   leading zero length octets), at most four length octets;
 * - every element ends inside the element or buffer that contains it, and a
 *   reader `finish()`es only when no byte is left over.
 *
 * Anything else throws DerError; callers turn that into their own error.
 */

/** One TLV: its tag, where it starts, where its content starts and where it ends (exclusive). */
export interface DerElement {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The DER is malformed (or not DER). */
export class DerError extends Error {
  override readonly name = "DerError";
}

/** A cursor over `der[offset, limit)`. */
export class DerReader<Buffer extends ArrayBufferLike = ArrayBufferLike> {
  readonly der: Uint8Array<Buffer>;
  private offset: number;
  private readonly limit: number;

  constructor(der: Uint8Array<Buffer>, offset = 0, limit = der.length) {
    this.der = der;
    this.offset = offset;
    this.limit = limit;
  }

  /** A reader over the content of `element` (of this reader's buffer). */
  inside(element: DerElement): DerReader<Buffer> {
    return new DerReader(this.der, element.contentStart, element.end);
  }

  get atEnd(): boolean {
    return this.offset >= this.limit;
  }

  /** The next element's tag, without moving; undefined at the end. */
  peekTag(): number | undefined {
    return this.atEnd ? undefined : this.der[this.offset];
  }

  /** Reads one identifier octet. */
  readTag(): number {
    if (this.offset >= this.limit) throw new DerError("truncated DER: tag expected");
    const tag = this.der[this.offset++] as number;
    if ((tag & 0x1f) === 0x1f) throw new DerError("high-tag-number form is not supported");
    if (tag === 0x00) throw new DerError("end-of-contents octets are not DER"); // X.690 §8.1.5, indefinite form only
    return tag;
  }

  /** Reads length octets: definite, minimal, and ending inside this reader. */
  readLength(): number {
    if (this.offset >= this.limit) throw new DerError("truncated DER: length expected");
    const first = this.der[this.offset++] as number;
    if (first < 0x80) return this.checkedLength(first);
    if (first === 0x80) throw new DerError("indefinite length is not DER");
    const count = first & 0x7f;
    if (count > 4) throw new DerError("length too large");
    if (this.offset + count > this.limit) throw new DerError("truncated DER: length octets");
    let length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (this.der[this.offset++] as number);
    // X.690 §10.1: the short form when it fits, and no leading zero octet in the long form.
    if (length < 0x80 || length < 256 ** (count - 1)) throw new DerError("non-minimal length encoding");
    return this.checkedLength(length);
  }

  /** Reads one whole element; with `expectedTag`, refuses any other tag. */
  readElement(expectedTag?: number): DerElement {
    const start = this.offset;
    const tag = this.readTag();
    if (expectedTag !== undefined && tag !== expectedTag) {
      throw new DerError(`tag 0x${hex(expectedTag)} expected, found 0x${hex(tag)}`);
    }
    const length = this.readLength();
    const contentStart = this.offset;
    this.offset += length;
    return { tag, start, contentStart, end: this.offset };
  }

  /** Reads the next element if it has `tag`; undefined (and does not move) otherwise. */
  readOptional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.readElement(tag) : undefined;
  }

  /** Throws unless every byte has been read. */
  finish(): void {
    if (this.offset !== this.limit) throw new DerError("trailing bytes after DER element");
  }

  private checkedLength(length: number): number {
    if (this.offset + length > this.limit) throw new DerError("truncated DER: content runs past its container");
    return length;
  }
}

/**
 * Reads one element and checks that it is well-formed DER throughout, for
 * parts of a structure a caller skips without reading them: constructed
 * elements must hold whole elements (recursively), the universal types must
 * be encoded as X.690 says (BOOLEAN one octet 00 or ff, minimal INTEGERs,
 * BIT STRINGs with at most 7 unused bits, empty NULLs, valid OBJECT
 * IDENTIFIERs, UTF-8 UTF8Strings, whole BMPString and UniversalString
 * characters, UTCTime and GeneralizedTime in their DER forms), strings and
 * other primitive types primitive, SEQUENCE and SET constructed. Universal
 * types this module does not know are refused.
 */
export function readWellFormedElement<B extends ArrayBufferLike>(reader: DerReader<B>, depth = 0): DerElement {
  const element = reader.readElement();
  if (element.tag & 0x20) {
    if ((element.tag & 0xc0) === 0 && element.tag !== 0x30 && element.tag !== 0x31) {
      throw new DerError(`universal type 0x${hex(element.tag & 0x1f)} must be primitive in DER`);
    }
    if (depth >= MAX_DEPTH) throw new DerError("DER nested too deep");
    const inner = reader.inside(element);
    while (!inner.atEnd) readWellFormedElement(inner, depth + 1);
  } else if ((element.tag & 0xc0) === 0) {
    checkUniversalPrimitive(reader.der, element);
  }
  return element;
}

const MAX_DEPTH = 32;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** NumericString, PrintableString, TeletexString, VideotexString, IA5String, GraphicString, VisibleString, GeneralString, OCTET STRING. */
const OPAQUE_PRIMITIVES = new Set([0x04, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b]);

function checkUniversalPrimitive(der: Uint8Array, element: DerElement): void {
  const content = contentOf(der, element);
  const text = () => Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("latin1");
  switch (element.tag) {
    case 0x01:
      if (content.length !== 1 || (content[0] !== 0x00 && content[0] !== 0xff)) throw new DerError("BOOLEAN");
      return;
    case 0x02:
    case 0x0a:
      integerContent(content, false);
      return;
    case 0x03:
      if (content.length === 0 || (content[0] as number) > 7 || (content.length === 1 && content[0] !== 0)) {
        throw new DerError("BIT STRING");
      }
      return;
    case 0x05:
      if (content.length !== 0) throw new DerError("NULL with content");
      return;
    case 0x06:
      decodeOid(der, element);
      return;
    case 0x0c:
      try {
        UTF8.decode(content);
      } catch (error) {
        throw new DerError("UTF8String is not UTF-8", { cause: error });
      }
      return;
    case 0x17:
      if (!/^\d{12}Z$/.test(text())) throw new DerError("UTCTime");
      return;
    case 0x18:
      if (!/^\d{14}(\.\d*[1-9])?Z$/.test(text())) throw new DerError("GeneralizedTime");
      return;
    case 0x1c:
      if (content.length % 4 !== 0) throw new DerError("UniversalString");
      return;
    case 0x1e:
      if (content.length % 2 !== 0) throw new DerError("BMPString");
      return;
    default:
      if (!OPAQUE_PRIMITIVES.has(element.tag)) throw new DerError(`universal type 0x${hex(element.tag)}`);
  }
}

/** The content octets of `element`. */
export function contentOf<B extends ArrayBufferLike>(der: Uint8Array<B>, element: DerElement): Uint8Array<B> {
  return der.subarray(element.contentStart, element.end);
}

/** The whole TLV of `element`. */
export function bytesOf<B extends ArrayBufferLike>(der: Uint8Array<B>, element: DerElement): Uint8Array<B> {
  return der.subarray(element.start, element.end);
}

/**
 * An OBJECT IDENTIFIER's dotted form (X.690 §8.19): at least one
 * subidentifier, each in base 128 with no leading 0x80 octet and a final
 * octet below 0x80. Arcs beyond 2^53 (UUID arcs, 2.25.…) are read exactly.
 */
export function decodeOid(der: Uint8Array, element: DerElement): string {
  if (element.tag !== 0x06) throw new DerError("OBJECT IDENTIFIER expected");
  const { contentStart, end } = element;
  if (contentStart === end) throw new DerError("empty OBJECT IDENTIFIER");
  const arcs: string[] = [];
  let offset = contentStart;
  while (offset < end) {
    if (der[offset] === 0x80) throw new DerError("non-minimal OBJECT IDENTIFIER subidentifier");
    let value = 0;
    let big: bigint | undefined;
    for (;;) {
      if (offset >= end) throw new DerError("truncated OBJECT IDENTIFIER");
      const octet = der[offset++] as number;
      if (big === undefined && value < 2 ** 45) value = value * 128 + (octet & 0x7f);
      else big = (big ?? BigInt(value)) * 128n + BigInt(octet & 0x7f);
      if (octet < 0x80) break;
    }
    if (arcs.length === 0) {
      // The first subidentifier holds two arcs: 40 × first + second, first ∈ {0, 1, 2}.
      if (big !== undefined) arcs.push("2", (big - 80n).toString());
      else if (value < 80) arcs.push(String(Math.floor(value / 40)), String(value % 40));
      else arcs.push("2", String(value - 80));
    } else {
      arcs.push(big !== undefined ? big.toString() : String(value));
    }
  }
  return arcs.join(".");
}

/**
 * The magnitude of a non-negative INTEGER (X.690 §8.3) without its sign
 * octet: minimal encoding (no redundant leading 0x00 or 0xff), never negative.
 */
export function unsignedIntegerOf<B extends ArrayBufferLike>(der: Uint8Array<B>, element: DerElement): Uint8Array<B> {
  if (element.tag !== 0x02) throw new DerError("INTEGER expected");
  return integerContent(contentOf(der, element), true);
}

/** An INTEGER's content, checked minimal (X.690 §8.3.2); with `unsigned`, not negative and without its 00 sign octet. */
function integerContent<B extends ArrayBufferLike>(content: Uint8Array<B>, unsigned: boolean): Uint8Array<B> {
  const [first, second = 0] = content;
  if (first === undefined) throw new DerError("empty INTEGER");
  if (content.length > 1 && ((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80))) {
    throw new DerError("non-minimal INTEGER");
  }
  if (!unsigned) return content;
  if (first & 0x80) throw new DerError("negative INTEGER");
  return first === 0 && content.length > 1 ? content.subarray(1) : content;
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}
