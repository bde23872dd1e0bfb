/**
 * The expiry scan's thresholds, apart from the scan so that the composition
 * root can check `EXPIRY_WARNING_DAYS` without bundling the scan (and
 * @peculiar/x509) into every function.
 */

/** Default thresholds, in days before notAfter. */
export const DEFAULT_EXPIRY_WARNING_DAYS: readonly number[] = [30, 7, 1];
/** Largest threshold accepted. */
export const MAX_EXPIRY_WARNING_DAYS = 365;
