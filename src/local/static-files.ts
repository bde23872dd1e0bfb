/**
 * Static files for the local server: the self-service portal (`dist/portal/`)
 * at `/`. Only GET and HEAD of regular files of a known type under the root
 * are served; anything else (other methods, unknown paths, directories, and
 * every path that tries to leave the root) is left to the API routes, which
 * answer 404/405 as usual. So this function never hides an API route and
 * never reveals why it refused a path.
 *
 * The portal holds no secret, so the local server may serve it before its
 * bearer-token check: a browser cannot attach `Authorization` to a page load,
 * and the page asks for the token itself.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";

/** Content types of the files the portal is made of. Files of other types are not served. */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};

/** Largest file served (the portal's bundle is far smaller); larger files are left to the API routes. */
const MAX_STATIC_FILE_BYTES = 5 * 1024 * 1024;

/** The portal's settings file beside index.html; its `apiBaseUrl` is added to the CSP's connect-src. */
export const PORTAL_CONFIG_FILE = "config.json";

/**
 * Serves `GET`/`HEAD` of `/` (index.html) and of files under `root`. Returns
 * true when it answered, false when the request is not for a static file (the
 * caller routes it to the API).
 */
export async function serveStaticFile(
  request: IncomingMessage,
  response: ServerResponse,
  root: string,
): Promise<boolean> {
  const method = (request.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") return false;
  const relativePath = staticRelativePath(request.url ?? "/");
  if (relativePath === undefined) return false;
  const contentType = STATIC_CONTENT_TYPES[extname(relativePath).toLowerCase()];
  if (contentType === undefined) return false;
  const file = await containedRegularFile(root, relativePath);
  if (file === undefined) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  response.writeHead(200, {
    "Content-Type": contentType,
    "Content-Length": String(body.length),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": contentSecurityPolicy(await configuredApiOrigin(root)),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
  });
  response.end(method === "HEAD" ? undefined : body);
  return true;
}

/**
 * The file a request path names, relative to the root (`index.html` for `/`),
 * or undefined when the path is not a plain one: `..` or `.` segments (also
 * percent-encoded), encoded slashes or backslashes, backslashes, NUL, empty
 * segments (`//`), hidden files (`.name`), or malformed percent-encoding.
 * Checked on the raw request target, before any URL normalisation could
 * remove the evidence.
 */
export function staticRelativePath(requestTarget: string): string | undefined {
  const path = requestTarget.replace(/[?#].*$/s, "");
  if (!path.startsWith("/")) return undefined;
  if (/%(2f|5c|00)/i.test(path) || /[\\\0]/.test(path)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (/[\\\0]/.test(decoded) || /[\p{Cc}]/u.test(decoded)) return undefined;
  if (decoded === "/") return "index.html";
  const segments = decoded.slice(1).split("/");
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".")) return undefined;
  }
  return segments.join("/");
}

/** The absolute path of a regular file under root (symbolic links resolved), or undefined. */
async function containedRegularFile(root: string, relativePath: string): Promise<string | undefined> {
  try {
    const realRoot = await realpath(resolve(root));
    const candidate = resolve(realRoot, relativePath);
    if (!isInside(realRoot, candidate)) return undefined;
    const realFile = await realpath(candidate);
    if (!isInside(realRoot, realFile)) return undefined;
    const info = await stat(realFile);
    if (!info.isFile() || info.size > MAX_STATIC_FILE_BYTES) return undefined;
    return realFile;
  } catch {
    return undefined;
  }
}

function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot !== "" && !fromRoot.startsWith(`..${sep}`) && fromRoot !== ".." && !isAbsolute(fromRoot);
}

/** The origin of `apiBaseUrl` in the root's config.json, when it names another origin over http(s). */
export async function configuredApiOrigin(root: string): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(resolve(root, PORTAL_CONFIG_FILE), "utf8")) as { apiBaseUrl?: unknown };
    if (typeof config.apiBaseUrl !== "string" || config.apiBaseUrl.trim() === "") return undefined;
    const url = new URL(config.apiBaseUrl);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A strict policy: scripts, styles and everything else from this origin
 * only (no inline code), API calls to this origin plus the configured API.
 */
export function contentSecurityPolicy(apiOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${apiOrigin ? ` ${apiOrigin}` : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
