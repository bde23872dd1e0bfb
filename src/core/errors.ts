/**
 * The errors the certificate core raises. Each names what went wrong in domain
 * words; the HTTP layer maps them to status codes in one place
 * (`src/http/problem.ts`), so the core never knows about HTTP.
 */

/** The request asks for something the service must not do (HTTP 400). */
export class InvalidRequestError extends Error {
  override readonly name = "InvalidRequestError";
  /** The request field at fault, when one field is (e.g. `validity_days`). */
  readonly field: string | undefined;

  constructor(message: string, field?: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

/** Something the request refers to does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  readonly field: string | undefined;

  constructor(message: string, field?: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

/** The request would overwrite something that already exists (HTTP 409). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  readonly field: string | undefined;

  constructor(message: string, field?: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

/**
 * A dependency (object storage, certificate import) failed. Safe to retry:
 * nothing half-written is ever visible (HTTP 503).
 */
export class DependencyError extends Error {
  override readonly name = "DependencyError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The deployment is misconfigured: a missing bucket, no credentials, no or an
 * unknown region. A retry cannot help until someone fixes the configuration,
 * so it is not a DependencyError (HTTP 500, no Retry-After); the message says
 * what to fix.
 */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * AWS IoT Core refused a call (or its local stand-in would): `code` is IoT's
 * error code (`CertificateValidationException`, `ResourceAlreadyExistsException`,
 * `LimitExceededException`, ...). The HTTP layer answers problem+json with the
 * code in `detail`: 409 for a resource that exists or a limit reached, 400 for
 * a certificate or request IoT rejects, never a 500.
 */
export class IotServiceError extends Error {
  override readonly name = "IotServiceError";
  readonly code: string;
  readonly field: string | undefined;
  /** With `ResourceAlreadyExistsException`: the id and ARN of what exists (IoT names them). */
  readonly resourceId: string | undefined;
  readonly resourceArn: string | undefined;

  constructor(
    code: string,
    message: string,
    field?: string,
    options?: ErrorOptions & { resourceId?: string | undefined; resourceArn?: string | undefined },
  ) {
    super(message, options);
    this.code = code;
    this.field = field;
    this.resourceId = options?.resourceId;
    this.resourceArn = options?.resourceArn;
  }
}
