/**
 * Reads the two XML documents the S3 adapter receives: a ListObjectsV2 result
 * and an error. Not an XML parser: a strict extraction of the few elements
 * these documents carry, which refuses any other shape rather than guess.
 * S3 writes these documents itself (no comments, CDATA or attributes in the
 * elements read here), so text content plus entity references is all there is.
 */

export interface S3ListPage {
  keys: string[];
  isTruncated: boolean;
}

export interface S3ErrorDetails {
  /** e.g. `NoSuchKey`, `NoSuchBucket`, `SlowDown`; undefined when the body is not an S3 error. */
  code: string | undefined;
  message: string | undefined;
}

/**
 * Keys and `IsTruncated` of a `ListBucketResult`. Keys are URL-decoded when
 * the result says `<EncodingType>url</EncodingType>` (S3 then writes a space
 * as `+` and a `+` as `%2B`). An Error when the document is not a list result.
 */
export function parseListObjectsV2(xml: string): S3ListPage {
  if (!/<ListBucketResult[\s>]/.test(xml)) throw new Error("the ListObjectsV2 response is not a ListBucketResult");
  const truncated = onlyElement(xml, "IsTruncated");
  if (truncated !== "true" && truncated !== "false") {
    throw new Error("the ListObjectsV2 response has no IsTruncated of true or false");
  }
  const urlEncoded = topLevelText(xml, "EncodingType") === "url";
  const keys: string[] = [];
  for (const [, contents] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = onlyElement(contents as string, "Key");
    if (key === undefined) throw new Error("a Contents element of the ListObjectsV2 response has no Key");
    keys.push(urlEncoded ? decodeURIComponent(key.replace(/\+/g, " ")) : key);
  }
  return { keys, isTruncated: truncated === "true" };
}

/**
 * `Code` and `Message` of an S3 `<Error>` document; both undefined for
 * anything else (an empty body, a proxy's HTML page). Never throws: it reads
 * responses that have already failed.
 */
export function parseS3Error(xml: string): S3ErrorDetails {
  const error = /<Error>([\s\S]*)<\/Error>/.exec(xml)?.[1];
  if (error === undefined) return { code: undefined, message: undefined };
  try {
    return { code: firstElement(error, "Code"), message: firstElement(error, "Message") };
  } catch {
    return { code: undefined, message: undefined };
  }
}

/** The decoded text of the one `<name>` element in `xml`; undefined when absent; an Error when repeated. */
function onlyElement(xml: string, name: string): string | undefined {
  const matches = [...xml.matchAll(elementPattern(name))];
  if (matches.length > 1) throw new Error(`the S3 response has ${matches.length} ${name} elements where one belongs`);
  return matches[0] === undefined ? undefined : decodeXmlText(matches[0][1] as string);
}

function firstElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? decodeXmlText(match[1] as string) : undefined;
}

/** A `<name>` element outside any `<Contents>` (ListBucketResult's own fields). */
function topLevelText(xml: string, name: string): string | undefined {
  return firstElement(xml.replace(/<Contents>[\s\S]*?<\/Contents>/g, ""), name);
}

function elementPattern(name: string): RegExp {
  return new RegExp(`<${name}>([^<]*)</${name}>`, "g");
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Replaces the five predefined entities and numeric character references; an Error for any other `&`. */
export function decodeXmlText(text: string): string {
  return text.replace(/&([^;]*);|&/g, (reference, name: string | undefined) => {
    if (name !== undefined) {
      const named = NAMED_ENTITIES[name];
      if (named !== undefined) return named;
      const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
      if (numeric) {
        const codePoint = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
        if (codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
      }
    }
    throw new Error(`the S3 response holds an unknown XML reference '${reference.slice(0, 12)}'`);
  });
}
