/**
 * An HTTP server on 127.0.0.1 that records every request as it arrived on
 * the wire and answers from a script, for testing what a client sends.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query. */
  rawPath: string;
  /** Query parameters, decoded; a repeated name as a list. */
  query: Record<string, string | string[]>;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordingServer {
  endpoint: string;
  requests: RecordedRequest[];
  /** Answers the next requests in order; once the script is used up, every request gets `fallback`. */
  script(answers: ScriptedAnswer[], fallback?: ScriptedAnswer): void;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let answers: ScriptedAnswer[] = [];
  let fallback: ScriptedAnswer = { status: 200 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const target = request.url ?? "/";
      const queryAt = target.indexOf("?");
      const query: Record<string, string | string[]> = {};
      const parameters = new URLSearchParams(queryAt < 0 ? "" : target.slice(queryAt + 1));
      for (const name of new Set(parameters.keys())) {
        const values = parameters.getAll(name);
        query[name] = values.length === 1 ? (values[0] as string) : values;
      }
      requests.push({
        method: request.method ?? "",
        rawPath: queryAt < 0 ? target : target.slice(0, queryAt),
        query,
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      const answer = answers.shift() ?? fallback;
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    script(next, nextFallback = { status: 200 }) {
      answers = [...next];
      fallback = nextFallback;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
