/**
 * Structured JSON logs, one object per line (CloudWatch, Logs Insights and
 * local terminals read them alike): `level`, `timestamp`, `message`, then the
 * request id when one is known, then the entry's own fields.
 *
 * What is logged: error names, messages, stacks and causes; request method,
 * path, status and duration (the local server's access log). What is never
 * logged: request bodies, responses, headers, which can carry private keys
 * and tokens. As a second line of defence every string is scrubbed of PEM
 * private keys and long base64 runs before it is written.
 *
 * Why not `@aws-lambda-powertools/logger`: it would add a dependency to every
 * function bundle for the same JSON lines, and its request id needs the Lambda
 * `context` passed in by the handler wrapper anyway. This module keeps the
 * field names CloudWatch and Powertools use (`level`, `timestamp`, `message`,
 * `xray_trace_id`), so switching later changes no query.
 *
 * Level: `LOG_LEVEL` (or Lambda's `AWS_LAMBDA_LOG_LEVEL`): DEBUG, INFO
 * (default), WARN or ERROR. ERROR and WARN go to stderr, the rest to stdout.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { processSingleton } from "../process-singleton.js";

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** What every entry written inside `withLogContext` carries. */
export interface LogContext {
  /** API Gateway / Lambda request id of the request being served. */
  requestId?: string | undefined;
}

const SEVERITY: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/**
 * One context store per process: the local server and each function bundle
 * it loads carry their own copy of this module, and must still see the same
 * request context.
 */
const contextStore = processSingleton("log-context", () => new AsyncLocalStorage<LogContext>());

/** Runs `fn` with `context` (e.g. the request id) added to every entry it logs. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return contextStore.run({ ...contextStore.getStore(), ...context }, fn);
}

/** Logs an error (name, message, stack, cause chain) at ERROR. The API callers have always used. */
export function logError(message: string, error: unknown, fields: Record<string, unknown> = {}): void {
  write("ERROR", message, { ...fields, ...errorFields(error) });
}

/** Logs at WARN: something a user should look at that did not fail the request (an expiry scan cut short). */
export function logWarn(message: string, fields: Record<string, unknown> = {}): void {
  write("WARN", message, fields);
}

export function logInfo(message: string, fields: Record<string, unknown> = {}): void {
  write("INFO", message, fields);
}

/** The configured level: `LOG_LEVEL`, then `AWS_LAMBDA_LOG_LEVEL`, else INFO. */
export function currentLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  for (const value of [env.LOG_LEVEL, env.AWS_LAMBDA_LOG_LEVEL]) {
    const level = value?.trim().toUpperCase();
    if (level === "TRACE") return "DEBUG";
    if (level === "FATAL") return "ERROR";
    if (level && level in SEVERITY) return level as LogLevel;
  }
  return "INFO";
}

/** Whether an entry of `level` would be written (to skip building costly fields). */
export function isLevelEnabled(level: LogLevel): boolean {
  return SEVERITY[level] >= SEVERITY[currentLogLevel()];
}

function write(level: LogLevel, message: string, fields: Record<string, unknown>): void {
  if (!isLevelEnabled(level)) return;
  const context = contextStore.getStore();
  const traceId = process.env._X_AMZN_TRACE_ID;
  const entry: Record<string, unknown> = {
    level,
    timestamp: new Date().toISOString(),
    message,
    ...(context?.requestId ? { requestId: context.requestId } : {}),
    ...(traceId ? { xray_trace_id: traceId } : {}),
    ...fields,
  };
  let line: string;
  try {
    line = JSON.stringify(scrub(entry, 0));
  } catch {
    line = JSON.stringify({ level, timestamp: entry.timestamp, message: redact(message), unserializable: true });
  }
  if (SEVERITY[level] >= SEVERITY.WARN) console.error(line);
  else console.log(line);
}

function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return error === undefined ? {} : { error: { message: String(error) } };
  const fields: Record<string, unknown> = { error: { name: error.name, message: error.message, stack: error.stack } };
  const causes: Record<string, unknown>[] = [];
  let cause: unknown = error.cause;
  while (cause !== undefined && causes.length < 3) {
    if (!(cause instanceof Error)) {
      causes.push({ message: String(cause) });
      break;
    }
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    causes.push({ name: cause.name, message: cause.message, ...(status === undefined ? {} : { status }) });
    cause = cause.cause;
  }
  if (causes.length === 1) fields.cause = causes[0];
  else if (causes.length > 1) fields.cause = causes;
  return fields;
}

/** A copy of `value` with every string redacted; deep structures are cut at depth 6. */
function scrub(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (depth >= 6) return "[truncated]";
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, depth + 1)]));
}

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
/** A private key block cut short (no END line): redact to the end of the string. */
const PRIVATE_KEY_START = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*/g;
/** Key material without PEM armour (DER as base64): no log field legitimately holds a run this long. */
const LONG_BASE64 = /[A-Za-z0-9+/]{100,}={0,2}/g;

/** `text` with PEM private keys and long base64 runs replaced by markers. */
export function redact(text: string): string {
  return text
    .replace(PRIVATE_KEY_BLOCK, "[REDACTED PRIVATE KEY]")
    .replace(PRIVATE_KEY_START, "[REDACTED PRIVATE KEY]")
    .replace(LONG_BASE64, "[REDACTED BASE64]");
}
