/**
 * Subject distinguished names. Built from structured fields, never from a
 * string, so a value like `Acme, CN=evil` stays one attribute value.
 */

import { InvalidRequestError } from "./errors.js";
import { SUBJECT_LIMITS } from "./subject-limits.js";
import { type JsonNameParams, Name } from "./x509.js";

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

/** Builds the X.509 name (C, ST, O, CN in that order), refusing values RFC 5280 does not allow. */
export function toX509Name(subject: SubjectFields): Name {
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
  // Values go in as typed strings, never as DN text: the library would read `#…` as hex DER and
  // strip `\`, `"` and `<>` escapes from plain strings.
  const rdns: JsonNameParams = [];
  if (country) rdns.push({ C: [{ printableString: country }] });
  if (state) rdns.push({ ST: [{ utf8String: state }] });
  if (organization) rdns.push({ O: [{ utf8String: organization }] });
  rdns.push({ CN: [{ utf8String: commonName }] });
  return new Name(rdns);
}
