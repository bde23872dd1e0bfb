/**
 * Upper bounds of subject name fields, from RFC 5280 Appendix A
 * (ub-common-name etc.). A module of its own, free of @peculiar/x509: the
 * request schemas (and so every function bundle) import it.
 */
export const SUBJECT_LIMITS = { commonName: 64, organization: 64, state: 128 } as const;
