/**
 * Validity periods: backdated for clock skew, and never outliving the issuer.
 */
import { InvalidRequestError } from "./errors.js";

/** How far notBefore is set in the past, so devices with a slow clock accept a fresh certificate. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60 * 1000;

/** Longest validity any certificate may ask for: 25 years. */
export const MAX_VALIDITY_DAYS = 9125;

/**
 * What to do when a requested validity ends after the issuer's notAfter
 * (like Vault's `leaf_not_after_behavior`):
 * - `refuse` (default): answer 400 and name the latest allowed date;
 * - `truncate`: end the certificate when the issuer ends.
 */
export const VALIDITY_BEHAVIORS = ["refuse", "truncate"] as const;
export type ValidityBehavior = (typeof VALIDITY_BEHAVIORS)[number];

export interface ValidityPeriod {
  notBefore: Date;
  notAfter: Date;
}

export interface ValidityRequest {
  /** The moment of issuance. */
  now: Date;
  /** Requested lifetime in days, counted from `now`. */
  validityDays: number;
  /** The issuing CA's validity; absent for a self-signed root. */
  issuer?: { name: string; notBefore: Date; notAfter: Date } | undefined;
  /** Default `refuse`. */
  behavior?: ValidityBehavior | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Computes the period a new certificate gets, or throws InvalidRequestError. */
export function validityPeriod(request: ValidityRequest): ValidityPeriod {
  const { now, validityDays, issuer, behavior = "refuse" } = request;
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
    throw new InvalidRequestError(`validity_days must be an integer from 1 to ${MAX_VALIDITY_DAYS}`, "validity_days");
  }
  // X.509 times have whole seconds; keep ours whole so stored and parsed dates agree.
  const second = Math.floor(now.getTime() / 1000) * 1000;
  let notBefore = new Date(second - CLOCK_SKEW_ALLOWANCE_MS);
  let notAfter = new Date(second + validityDays * DAY_MS);
  if (issuer) {
    if (issuer.notAfter.getTime() <= now.getTime()) {
      throw new InvalidRequestError(
        `the issuer '${issuer.name}' expired on ${issuer.notAfter.toISOString()}`,
        "issuer",
      );
    }
    if (notBefore < issuer.notBefore) notBefore = issuer.notBefore;
    if (notAfter > issuer.notAfter) {
      if (behavior === "refuse") {
        const latestDays = Math.floor((issuer.notAfter.getTime() - second) / DAY_MS);
        throw new InvalidRequestError(
          `validity_days ${validityDays} would end on ${notAfter.toISOString()}, after the issuer '${issuer.name}' expires ` +
            `(${issuer.notAfter.toISOString()}, the latest allowed date): ask for at most ${latestDays} days, ` +
            `or set validity_behavior to "truncate"`,
          "validity_days",
        );
      }
      notAfter = issuer.notAfter;
    }
  }
  return { notBefore, notAfter };
}
