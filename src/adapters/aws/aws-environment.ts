/**
 * What the AWS adapters read from the environment: region, credentials, and
 * the DNS suffix of the region's endpoints.
 *
 * On Lambda the runtime puts the function role's temporary credentials and
 * the region in environment variables, so reading those costs nothing. Only
 * elsewhere (a laptop with a profile or SSO, an EC2 instance role) is the SDK's
 * credential chain loaded, lazily on the first request, so that a Lambda
 * function never imports it.
 */
import type { AwsCredentials } from "./signature-v4.js";

/** Resolves the credentials to sign the next request with. */
export type CredentialSource = () => Promise<AwsCredentials>;

/** Temporary credentials are refreshed this long before they expire. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/** `AWS_REGION`, else `AWS_DEFAULT_REGION`; an Error naming both when neither is set. */
export function awsRegion(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (!region) throw new Error("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)");
  return region;
}

/**
 * `AWS_MAX_ATTEMPTS`, the AWS tools' standard setting (attempts per request,
 * the first included), when set; an Error naming it when it is not a whole
 * number from 1 to 10.
 */
export function awsMaxAttempts(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.AWS_MAX_ATTEMPTS?.trim();
  if (!value) return undefined;
  const attempts = /^\d{1,2}$/.test(value) ? Number(value) : Number.NaN;
  if (!(attempts >= 1 && attempts <= 10)) {
    throw new Error(`AWS_MAX_ATTEMPTS must be a whole number from 1 to 10; got '${value}'`);
  }
  return attempts;
}

/** AWS's DNS suffix for a region's endpoints: China's regions have their own. */
export function awsDnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/**
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` when the
 * first two are set (always on Lambda); otherwise the SDK's default chain
 * (`@aws-sdk/credential-provider-node`), imported on first use, its
 * credentials kept until 5 minutes before they expire.
 */
export function awsCredentials(env: NodeJS.ProcessEnv): CredentialSource {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const credentials: AwsCredentials = {
      accessKeyId,
      secretAccessKey,
      sessionToken: env.AWS_SESSION_TOKEN?.trim() || undefined,
    };
    return async () => credentials;
  }
  return cachedCredentials(async () => {
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
    return defaultProvider();
  });
}

type ExpiringCredentials = AwsCredentials & { expiration?: Date | undefined };

/**
 * Credentials from `loadProvider`'s provider, kept until 5 minutes before their
 * `expiration` (for ever when they have none). Concurrent requests share one
 * resolution; a failed one is tried again by the next request.
 */
export function cachedCredentials(
  loadProvider: () => Promise<() => Promise<ExpiringCredentials>>,
  now: () => number = Date.now,
): CredentialSource {
  let provider: Promise<() => Promise<ExpiringCredentials>> | undefined;
  let current: Promise<ExpiringCredentials> | undefined;
  const resolve = (): Promise<ExpiringCredentials> => {
    const resolving = (async () => {
      provider ??= loadProvider();
      return (await provider)();
    })();
    resolving.catch(() => {
      if (current !== resolving) return;
      provider = undefined;
      current = undefined;
    });
    return resolving;
  };
  return async () => {
    const pending = current;
    if (pending) {
      const credentials = await pending;
      const expiresAt = credentials.expiration?.getTime();
      if (expiresAt === undefined || expiresAt - REFRESH_BEFORE_EXPIRY_MS > now()) return credentials;
      if (current === pending) current = undefined; // the first caller to see them stale refreshes them
    }
    current ??= resolve();
    return current;
  };
}
