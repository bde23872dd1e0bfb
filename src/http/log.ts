/**
 * Structured JSON logs, one object per line (CloudWatch and local terminals
 * read them alike). Only error names, messages and stacks are logged: never
 * request bodies or responses, which can carry private keys.
 */
export function logError(message: string, error: unknown): void {
  const entry: Record<string, unknown> = { level: "ERROR", timestamp: new Date().toISOString(), message };
  if (error instanceof Error) {
    entry.error = { name: error.name, message: error.message, stack: error.stack };
    if (error.cause instanceof Error) entry.cause = { name: error.cause.name, message: error.cause.message };
  }
  console.error(JSON.stringify(entry));
}
