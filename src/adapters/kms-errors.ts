import { DependencyError } from "../core/errors.js";

/**
 * A failed KMS call as a DependencyError (503, safe to retry) whose message
 * says which operation, which key and what KMS answered, in words a user acts
 * on: a disabled key or one pending deletion needs an operator, not a retry.
 */
export function kmsFailure(operation: string, keyId: string | undefined, error: unknown): DependencyError {
  const name = (error as { name?: string } | undefined)?.name ?? "unknown error";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const key = keyId ? ` with key ${keyId}` : "";
  const hint =
    name === "DisabledException" || name === "KMSInvalidStateException"
      ? ": the CA's KMS key is disabled or pending deletion; enable it (or cancel its deletion) in KMS"
      : name === "AccessDeniedException"
        ? ": the function's role or the key's policy does not allow it"
        : "";
  return new DependencyError(
    `KMS ${operation}${key} failed (${status === undefined ? name : `${status} ${name}`})${hint}`,
    { cause: error },
  );
}
