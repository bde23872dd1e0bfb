/**
 * The portal's only way to the API: JSON in, JSON out, and every error as
 * an `ApiProblem` carrying the RFC 9457 body the API sent (`detail`, `field`).
 */
import { apiUrl, resolveApiBaseUrl } from "./model.js";

/** An error the API answered with (or a network failure, status 0). */
export class ApiProblem extends Error {
  override readonly name = "ApiProblem";

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

export class ApiClient {
  /** `Authorization: Bearer …` for a local server started with LOCAL_API_TOKEN; kept in memory only. */
  token: string | undefined;

  constructor(readonly baseUrl: string) {}

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return this.request<T>("GET", apiUrl(this.baseUrl, path, query));
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", apiUrl(this.baseUrl, path), body);
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      throw new ApiProblem(
        0,
        "Network error",
        `cannot reach the API at ${this.baseUrl} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw problemOf(response.status, parsed, text);
    return parsed as T;
  }
}

function problemOf(status: number, body: unknown, text: string): ApiProblem {
  const problem = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const title = typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
  const isProblem = typeof problem.detail === "string";
  // API Gateway's own refusals are `{"message": "..."}`, not problem+json.
  const gatewayMessage = typeof problem.message === "string" ? problem.message : undefined;
  let detail = isProblem
    ? String(problem.detail)
    : (gatewayMessage ?? (text.slice(0, 300) || `the API answered ${status}`));
  if (status === 401) detail = `${detail}. Enter the server's token under “API connection”.`;
  if (status === 403 && !isProblem) {
    detail = `${detail}. An API with IAM authorization needs SigV4-signed requests, which this page cannot make (see docs/portal.md).`;
  }
  return new ApiProblem(status, title, detail, typeof problem.field === "string" ? problem.field : undefined);
}

/** Reads `config.json` beside the page; the page's own origin when it is missing or empty. */
export async function loadApiBaseUrl(pageUrl: string): Promise<string> {
  const pageOrigin = new URL(pageUrl).origin;
  try {
    const response = await fetch(new URL("config.json", pageUrl), { cache: "no-store", credentials: "omit" });
    if (!response.ok) return pageOrigin;
    return resolveApiBaseUrl(await response.json(), pageOrigin);
  } catch {
    return pageOrigin;
  }
}
