/**
 * Validity periods: backdated for clock skew, whole seconds, never longer
 * than 25 years, and never outliving the issuer (refused with the latest
 * allowed date, or truncated on request).
 */
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../../src/core/errors.js";
import { CLOCK_SKEW_ALLOWANCE_MS, MAX_VALIDITY_DAYS, validityPeriod } from "../../../src/core/validity.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2030-06-15T12:00:00.000Z");

function issuer(notBefore: Date, notAfter: Date) {
  return { name: "servers", notBefore, notAfter };
}

function refusal(run: () => unknown): InvalidRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("expected an InvalidRequestError");
}

describe("validityPeriod", () => {
  it("backdates notBefore by the clock-skew allowance and counts days from now", () => {
    const period = validityPeriod({ now: NOW, validityDays: 365 });
    expect(CLOCK_SKEW_ALLOWANCE_MS).toBe(5 * 60 * 1000);
    expect(period.notBefore.toISOString()).toBe("2030-06-15T11:55:00.000Z");
    expect(period.notAfter.toISOString()).toBe("2031-06-15T12:00:00.000Z");
  });

  it("keeps whole seconds, as X.509 times have", () => {
    const period = validityPeriod({ now: new Date("2030-06-15T12:00:00.999Z"), validityDays: 1 });
    expect(period.notBefore.getTime() % 1000).toBe(0);
    expect(period.notAfter.getTime() % 1000).toBe(0);
    expect(period.notAfter.toISOString()).toBe("2030-06-16T12:00:00.000Z");
  });

  it(`accepts 1 to ${MAX_VALIDITY_DAYS} days (25 years)`, () => {
    expect(MAX_VALIDITY_DAYS).toBe(9125);
    expect(validityPeriod({ now: NOW, validityDays: 1 }).notAfter.getTime()).toBe(NOW.getTime() + DAY);
    expect(validityPeriod({ now: NOW, validityDays: MAX_VALIDITY_DAYS }).notAfter.getTime()).toBe(
      NOW.getTime() + MAX_VALIDITY_DAYS * DAY,
    );
  });

  it.each([0, -1, MAX_VALIDITY_DAYS + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses validity_days %s, naming the field",
    (days) => {
      const error = refusal(() => validityPeriod({ now: NOW, validityDays: days }));
      expect(error.field).toBe("validity_days");
      expect(error.message).toContain(String(MAX_VALIDITY_DAYS));
    },
  );

  it("does not start before the issuer starts (a CA created a moment ago)", () => {
    const issuerStart = new Date(NOW.getTime() - 60_000);
    const period = validityPeriod({
      now: NOW,
      validityDays: 30,
      issuer: issuer(issuerStart, new Date(NOW.getTime() + 365 * DAY)),
    });
    expect(period.notBefore).toEqual(issuerStart);
  });

  it("keeps the backdating when the issuer is older than the allowance", () => {
    const period = validityPeriod({
      now: NOW,
      validityDays: 30,
      issuer: issuer(new Date(NOW.getTime() - 30 * DAY), new Date(NOW.getTime() + 365 * DAY)),
    });
    expect(period.notBefore.getTime()).toBe(NOW.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
  });

  it("refuses by default a validity outliving the issuer, naming the latest allowed date and day count", () => {
    const issuerEnd = new Date(NOW.getTime() + 100 * DAY + 3_600_000); // 100 days and an hour from now
    const error = refusal(() =>
      validityPeriod({ now: NOW, validityDays: 365, issuer: issuer(new Date(NOW.getTime() - DAY), issuerEnd) }),
    );
    expect(error.field).toBe("validity_days");
    expect(error.message).toContain(issuerEnd.toISOString());
    expect(error.message).toContain("latest allowed date");
    expect(error.message).toContain("at most 100 days");
    expect(error.message).toContain("'servers'");
    expect(error.message).toContain('"truncate"');
  });

  it("accepts exactly the day count the refusal suggests", () => {
    const ca = issuer(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 100 * DAY + 3_600_000));
    const period = validityPeriod({ now: NOW, validityDays: 100, issuer: ca, behavior: "refuse" });
    expect(period.notAfter.getTime()).toBe(NOW.getTime() + 100 * DAY);
    expect(() => validityPeriod({ now: NOW, validityDays: 101, issuer: ca })).toThrow(InvalidRequestError);
  });

  it("allows ending exactly when the issuer ends", () => {
    const ca = issuer(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 10 * DAY));
    expect(validityPeriod({ now: NOW, validityDays: 10, issuer: ca }).notAfter).toEqual(ca.notAfter);
  });

  it("truncates to the issuer's notAfter when asked to", () => {
    const ca = issuer(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 100 * DAY + 1234_000));
    const period = validityPeriod({ now: NOW, validityDays: 365, issuer: ca, behavior: "truncate" });
    expect(period.notAfter).toEqual(ca.notAfter);
    expect(period.notBefore.getTime()).toBe(NOW.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
  });

  it("does not lengthen a validity that fits when truncating", () => {
    const ca = issuer(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 1000 * DAY));
    const period = validityPeriod({ now: NOW, validityDays: 10, issuer: ca, behavior: "truncate" });
    expect(period.notAfter.getTime()).toBe(NOW.getTime() + 10 * DAY);
  });

  it.each(["refuse", "truncate"] as const)("refuses an expired issuer (%s), naming the issuer field", (behavior) => {
    const ca = issuer(new Date(NOW.getTime() - 10 * DAY), new Date(NOW.getTime() - 1000));
    const error = refusal(() => validityPeriod({ now: NOW, validityDays: 1, issuer: ca, behavior }));
    expect(error.field).toBe("issuer");
    expect(error.message).toContain("expired");
    expect(error.message).toContain(ca.notAfter.toISOString());
  });

  it("still checks the day count before the issuer", () => {
    const ca = issuer(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + DAY));
    const error = refusal(() => validityPeriod({ now: NOW, validityDays: 0, issuer: ca, behavior: "truncate" }));
    expect(error.field).toBe("validity_days");
  });
});
