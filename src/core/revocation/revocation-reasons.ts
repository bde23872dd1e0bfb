/**
 * RFC 5280 reason codes a caller may give. `certificateHold` and
 * `removeFromCRL` are left out: revocation here is final.
 *
 * A module of its own, free of @peculiar/x509: the request schemas (and so
 * every function bundle, even those that sign nothing) import it.
 */
export const REVOCATION_REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
  "aACompromise",
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];
