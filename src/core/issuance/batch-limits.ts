/**
 * How large one batch of devices may be. A module of its own, free of the
 * issuance code (and @peculiar/x509): the request schemas (and so every
 * function bundle) import it.
 */

/** Most devices one batch may ask for. */
export const MAX_BATCH_SIZE = 1000;

/** Most server-generated RSA keys one batch may ask for (~0.2 s each: a larger batch would outlive a 30 s Lambda). */
export const MAX_RSA_BATCH_SIZE = 100;

/**
 * Seconds of AWS IoT Core calls one batch may plan for: API Gateway ends a
 * request after 29 s, and the batch also issues and stores its devices. The
 * most devices a batch registers is this times the slowest IoT rate it uses
 * (200 at RegisterCertificate's default 10 per second).
 */
export const IOT_BATCH_SECONDS = 20;
