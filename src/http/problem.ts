/**
 * Errors become HTTP responses here, and only here. Every error body has one
 * shape: RFC 9457 `application/problem+json` with `type`, `title`, `status`,
 * `detail` and, when one field is at fault, `field`.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import {
  ConfigurationError,
  ConflictError,
  DependencyError,
  InvalidRequestError,
  IotServiceError,
  NotFoundError,
} from "../core/errors.js";
import { logError } from "./log.js";

/** A request the HTTP layer refuses before the core sees it. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
}

const PROBLEM_TYPE_PREFIX = "urn:iot-certificates:problem:";

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { "Content-Type": "application/problem+json", ...headers },
    body: JSON.stringify(problem),
  };
}

/** Maps any thrown value to a problem response; unexpected errors are logged and answered without internals. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  const details = problemFor(error);
  return problemResponse(details, details.status === 503 ? { "Retry-After": "1" } : {});
}

/** The problem details of any thrown value (also used per item of a batch). */
export function problemFor(error: unknown): Problem {
  if (error instanceof HttpError) return problem(error.status, error.title, error.message, error.field);
  if (error instanceof InvalidRequestError) return problem(400, "Invalid request", error.message, error.field);
  if (error instanceof NotFoundError) return problem(404, "Not found", error.message, error.field);
  if (error instanceof ConflictError) return problem(409, "Conflict", error.message, error.field);
  if (error instanceof IotServiceError) {
    return problem(
      iotErrorStatus(error.code),
      "AWS IoT Core refused the request",
      `${error.code}: ${error.message}`,
      error.field,
    );
  }
  if (error instanceof ConfigurationError) {
    logError("misconfigured", error);
    return problem(
      500,
      "Service misconfigured",
      `${error.message}. Nothing was issued; retrying will not help until this is fixed.`,
    );
  }
  if (error instanceof DependencyError) {
    logError("dependency failed", error);
    return problem(
      503,
      "Service unavailable",
      `${error.message}. Nothing half-done is visible; retrying the same request is safe.`,
    );
  }
  logError("unexpected error", error);
  return problem(500, "Internal server error", "the request failed unexpectedly; nothing was issued");
}

/** The problem details of one status, with the `type` URN derived from the title. */
export function problem(status: number, title: string, detail: string, field?: string): Problem {
  const type = `${PROBLEM_TYPE_PREFIX}${title.toLowerCase().replaceAll(" ", "-")}`;
  return field === undefined ? { type, title, status, detail } : { type, title, status, detail, field };
}

/** IoT error codes that mean "this exists already" or "a limit is reached" (409); a missing IoT resource is a 404; any other refusal a 400. */
function iotErrorStatus(code: string): number {
  if (
    [
      "ResourceAlreadyExistsException",
      "LimitExceededException",
      "ConflictingResourceUpdateException",
      "DeleteConflictException",
      "ConflictException",
    ].includes(code)
  )
    return 409;
  if (code === "ResourceNotFoundException") return 404;
  return 400;
}
