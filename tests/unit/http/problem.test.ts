/**
 * Which errors a retry can fix: a dependency's failure is 503 with
 * Retry-After; a misconfigured deployment (missing bucket, credentials,
 * region) is 500 without it, with a detail that says what to fix.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, DependencyError } from "../../../src/core/errors.js";
import { errorResponse } from "../../../src/http/problem.js";

describe("errorResponse", () => {
  it("answers a ConfigurationError 500 problem+json with its message and no Retry-After", () => {
    const response = errorResponse(
      new ConfigurationError(
        "S3 GetObject failed: bucket 'certs' does not exist; create it with: aws s3 mb s3://certs",
      ),
    );
    expect(response.statusCode).toBe(500);
    expect(response.headers).toEqual({ "Content-Type": "application/problem+json" });
    expect(JSON.parse(response.body)).toMatchObject({
      status: 500,
      title: "Service misconfigured",
      detail: expect.stringContaining("create it with: aws s3 mb s3://certs"),
    });
  });

  it("keeps 503 with Retry-After for what a retry can fix", () => {
    const response = errorResponse(new DependencyError("S3 PutObject k in bucket 'certs' failed: 503 SlowDown"));
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ "Retry-After": "1" });
  });
});
