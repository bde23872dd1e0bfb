/**
 * Where the CLI sends its requests, and what to say when nothing answers
 * there: the two ways a script points the CLI at an API (`--api`,
 * `IOT_CERTS_API`) and the local server's `PORT` are easy to confuse.
 */

/** The local server's port when `PORT` is not set (src/local/server.ts). */
export const DEFAULT_LOCAL_PORT = 3000;

export interface ApiAddress {
  /** Base URL of the API, without a trailing slash. */
  url: string;
  /** Where the URL came from, in the words a user would set it with. */
  source: "--api" | "IOT_CERTS_API" | "PORT" | "default";
}

/**
 * The API's base URL: `--api`, else `IOT_CERTS_API`, else the local server on
 * 127.0.0.1 at `PORT` (the variable the local server listens on; default 3000).
 */
export function resolveApiAddress(apiOption: string | undefined, env: NodeJS.ProcessEnv): ApiAddress {
  if (apiOption) return { url: apiOption.replace(/\/+$/, ""), source: "--api" };
  const fromEnvironment = env.IOT_CERTS_API?.trim();
  if (fromEnvironment) return { url: fromEnvironment.replace(/\/+$/, ""), source: "IOT_CERTS_API" };
  const port = env.PORT?.trim();
  if (port) return { url: `http://127.0.0.1:${port}`, source: "PORT" };
  return { url: `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`, source: "default" };
}

/** Advice for a connection failure: how the URL was chosen, and the settings that change it. */
export function unreachableApiHint(address: ApiAddress): string {
  const origin = {
    "--api": "from --api",
    IOT_CERTS_API: "from IOT_CERTS_API",
    PORT: "the local server's address for PORT",
    default: `the local server's default address (PORT is not set, so ${DEFAULT_LOCAL_PORT})`,
  }[address.source];
  return (
    `${address.url} is ${origin}. Start the local server (npm start; it listens on http://127.0.0.1:$PORT, ` +
    `default ${DEFAULT_LOCAL_PORT}) and run the CLI with the same PORT, or give the API's URL with --api URL ` +
    "or IOT_CERTS_API=URL (which take precedence over PORT)."
  );
}
