/** The strict reading of S3's ListBucketResult and Error documents. */
import { describe, expect, it } from "vitest";
import { decodeXmlText, parseListObjectsV2, parseS3Error } from "../../../../src/adapters/aws/s3-xml.js";

const list = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ListBucketResult>`;

describe("parseListObjectsV2", () => {
  it("reads keys in order and IsTruncated; an empty result has no keys", () => {
    expect(
      parseListObjectsV2(
        list(
          "<Name>b</Name><IsTruncated>false</IsTruncated><Contents><Key>a</Key><ETag>&quot;e&quot;</ETag></Contents><Contents><Key>b/c</Key></Contents>",
        ),
      ),
    ).toEqual({ keys: ["a", "b/c"], isTruncated: false });
    expect(parseListObjectsV2(list("<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"))).toEqual({
      keys: [],
      isTruncated: false,
    });
  });

  it("URL-decodes keys only when the result says EncodingType url", () => {
    const keys = "<Contents><Key>a+b%2Bc%20%C3%A9</Key></Contents>";
    expect(parseListObjectsV2(list(`<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>${keys}`))).toEqual({
      keys: ["a b+c é"],
      isTruncated: true,
    });
    expect(parseListObjectsV2(list(`<IsTruncated>true</IsTruncated>${keys}`)).keys).toEqual(["a+b%2Bc%20%C3%A9"]);
  });

  it("decodes XML references in keys", () => {
    const xml = list(
      "<IsTruncated>false</IsTruncated><Contents><Key>&lt;a&gt; &amp; &#39;b&#x27; &#x1F510;</Key></Contents>",
    );
    expect(parseListObjectsV2(xml).keys).toEqual(["<a> & 'b' 🔐"]);
  });

  it("refuses any other shape rather than guess", () => {
    expect(() => parseListObjectsV2("<Error><Code>x</Code></Error>")).toThrow(/not a ListBucketResult/);
    expect(() => parseListObjectsV2(list("<Contents><Key>a</Key></Contents>"))).toThrow(/IsTruncated/);
    expect(() => parseListObjectsV2(list("<IsTruncated>maybe</IsTruncated>"))).toThrow(/IsTruncated/);
    expect(() => parseListObjectsV2(list("<IsTruncated>true</IsTruncated><IsTruncated>false</IsTruncated>"))).toThrow(
      /2 IsTruncated/,
    );
    expect(() =>
      parseListObjectsV2(list("<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>")),
    ).toThrow(/no Key/);
    expect(() =>
      parseListObjectsV2(list("<IsTruncated>false</IsTruncated><Contents><Key>a</Key><Key>b</Key></Contents>")),
    ).toThrow(/2 Key/);
    expect(() =>
      parseListObjectsV2(list("<IsTruncated>false</IsTruncated><Contents><Key>&nbsp;</Key></Contents>")),
    ).toThrow(/unknown XML reference/);
  });
});

describe("parseS3Error", () => {
  it("reads Code and Message", () => {
    expect(
      parseS3Error(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b</Key><RequestId>R</RequestId></Error>',
      ),
    ).toEqual({ code: "NoSuchKey", message: "The specified key does not exist." });
  });

  it("answers undefined for an empty body, HTML, or a broken reference, and never throws", () => {
    const none = { code: undefined, message: undefined };
    expect(parseS3Error("")).toEqual(none);
    expect(parseS3Error("<html><body>502 Bad Gateway</body></html>")).toEqual(none);
    expect(parseS3Error("<Error><Code>A&bogus;</Code></Error>")).toEqual(none);
  });
});

describe("decodeXmlText", () => {
  it("decodes the five named entities and numeric references", () => {
    expect(decodeXmlText("&amp;&lt;&gt;&quot;&apos;&#65;&#x42;")).toBe("&<>\"'AB");
  });

  it("refuses a bare ampersand, an unknown entity and an out-of-range code point", () => {
    expect(() => decodeXmlText("a & b")).toThrow();
    expect(() => decodeXmlText("&copy;")).toThrow();
    expect(() => decodeXmlText("&#x110000;")).toThrow();
  });
});
