/**
 * A small client of the certificates API for the CLI: JSON in and out,
 * problem+json errors turned into ApiError, optional bearer token (local
 * server with LOCAL_API_TOKEN) and SigV4 signing for a deployed API with IAM
 * authorization (credentials from the standard AWS chain).
 */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
    readonly problem: Record<string, unknown> | undefined,
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  /** Base URL, e.g. http://127.0.0.1:3000 or https://abc.execute-api.eu-north-1.amazonaws.com/prod */
  baseUrl: string;
  /** Bearer token for a local server started with LOCAL_API_TOKEN. */
  token?: string | undefined;
  /** Sign requests with SigV4 (execute-api) using the default AWS credential chain. */
  sigv4?: boolean | undefined;
  /** Region for SigV4; default: read from the execute-api host name, else AWS_REGION. */
  region?: string | undefined;
}

export class ApiClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  get<T = any>(path: string, accept = "application/json"): Promise<T> {
    return this.request<T>("GET", path, undefined, accept);
  }

  post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>("POST", path, body, "application/json", headers);
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept, ...extraHeaders };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.sigv4) headers = await signRequest(method, url, headers, payload, this.options.region);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload });
    } catch (error) {
      throw new ApiError(0, `cannot reach the API at ${this.baseUrl}: ${(error as Error).message}`, undefined);
    }
    const text = await response.text();
    if (!response.ok) {
      let problem: Record<string, unknown> | undefined;
      try {
        problem = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problem = undefined;
      }
      const detail = typeof problem?.detail === "string" ? problem.detail : text.slice(0, 500) || response.statusText;
      throw new ApiError(
        response.status,
        `${response.status} ${problem?.title ?? response.statusText}: ${detail}`,
        problem,
      );
    }
    return (accept === "application/json" ? JSON.parse(text) : text) as T;
  }
}

/**
 * Signs with SigV4 for API Gateway (service `execute-api`) with the AWS SDK's
 * signer (`@smithy/signature-v4`) and default credential chain (environment,
 * profiles, SSO, instance roles), both loaded only when a request is signed.
 *
 * The signed path is the path fetch sends, as it is written on the wire
 * (`url.pathname`, percent-encoding included): the signer encodes it once
 * more, which is what API Gateway checks for a service other than S3.
 */
async function signRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  payload: string | undefined,
  regionOption: string | undefined,
): Promise<Record<string, string>> {
  const region =
    regionOption ??
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION;
  if (!region) throw new ApiError(0, "SigV4 needs a region: pass --region or set AWS_REGION", undefined);
  const [{ SignatureV4 }, { Sha256 }, { defaultProvider }] = await Promise.all([
    import("@smithy/signature-v4"),
    import("@smithy/core/checksum"),
    import("@aws-sdk/credential-provider-node"),
  ]);
  const signer = new SignatureV4({ credentials: defaultProvider(), region, service: "execute-api", sha256: Sha256 });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: queryOf(url.searchParams),
    headers: { ...headers, host: url.host },
    body: payload,
  });
  // fetch writes the Host header itself, from the same URL.
  const { host: _host, ...signedHeaders } = signed.headers;
  return signedHeaders;
}

/** The query as the signer takes it: decoded names and values, a repeated name as a list. */
function queryOf(parameters: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(parameters.keys())) {
    const values = parameters.getAll(name);
    query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}
