/**
 * Subject distinguished names. Built from structured fields, never from a
 * string, so a value like `Acme, CN=evil` stays one attribute value.
 */

import { AsnConvert } from "@peculiar/asn1-schema";
import { Name as AsnName, AttributeTypeAndValue, AttributeValue, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { InvalidRequestError } from "./errors.js";
import { SUBJECT_LIMITS } from "./subject-limits.js";
import { Name } from "./x509.js";

/** Fields of a subject name, as the seed's requests carry them. */
export interface SubjectFields {
  /** Common name: the FQDN of a server, the id of a device, the title of a CA. */
  commonName: string;
  /** ISO 3166 two-letter country code, uppercase (e.g. `SE`). Optional. */
  country?: string | undefined;
  /** State or province. Optional. */
  state?: string | undefined;
  /** Organization. Optional. */
  organization?: string | undefined;
}

/** RFC 5280 Appendix A attribute types (X.520). */
const COUNTRY_NAME = "2.5.4.6";
const STATE_OR_PROVINCE_NAME = "2.5.4.8";
const ORGANIZATION_NAME = "2.5.4.10";
const COMMON_NAME = "2.5.4.3";

/** The X.509 name as @peculiar/x509's Name; see subjectName. */
export function toX509Name(subject: SubjectFields): Name {
  return new Name(AsnConvert.serialize(subjectName(subject)));
}

/**
 * The subject's ASN.1 Name (C, ST, O, CN in that order, one attribute per
 * RDN), refusing values RFC 5280 does not allow. Country is a
 * PrintableString (RFC 5280 §4.1.2.4), the others UTF8String.
 */
export function subjectName(subject: SubjectFields): AsnName {
  const { commonName, country, state, organization } = subject;
  if (commonName.length === 0 || commonName.length > SUBJECT_LIMITS.commonName) {
    throw new InvalidRequestError(
      `the common name must be 1 to ${SUBJECT_LIMITS.commonName} characters (RFC 5280 ub-common-name); got ${commonName.length}`,
      "common_name",
    );
  }
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    throw new InvalidRequestError("country must be a two-letter ISO 3166 code such as SE or US", "country");
  }
  if (state !== undefined && (state.length === 0 || state.length > SUBJECT_LIMITS.state)) {
    throw new InvalidRequestError(`state must be 1 to ${SUBJECT_LIMITS.state} characters`, "state");
  }
  if (organization !== undefined && (organization.length === 0 || organization.length > SUBJECT_LIMITS.organization)) {
    throw new InvalidRequestError(
      `organization must be 1 to ${SUBJECT_LIMITS.organization} characters`,
      "organization",
    );
  }
  // Values go in as typed strings, never as DN text: a DN parser would read `#…` as hex DER and
  // strip `\`, `"` and `<>` escapes from plain strings.
  const rdn = (type: string, value: AttributeValue) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
  const rdns: RelativeDistinguishedName[] = [];
  if (country) rdns.push(rdn(COUNTRY_NAME, new AttributeValue({ printableString: country })));
  if (state) rdns.push(rdn(STATE_OR_PROVINCE_NAME, new AttributeValue({ utf8String: state })));
  if (organization) rdns.push(rdn(ORGANIZATION_NAME, new AttributeValue({ utf8String: organization })));
  rdns.push(rdn(COMMON_NAME, new AttributeValue({ utf8String: commonName })));
  return new AsnName(rdns);
}
