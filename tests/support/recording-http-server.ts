/**
 * An HTTP server on 127.0.0.1 that records every request and answers from a
 * script, for testing what the AWS adapters send and how they take answers.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** The path as sent, still URI-encoded. */
  rawPath: string;
  /** Query parameters, decoded. */
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** The client's port: requests on one kept-alive connection share it. */
  remotePort: number | undefined;
}

/** An answer: a response, or `"drop"` to close the connection without one. */
export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | "drop";

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
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      requests.push({
        method: request.method ?? "",
        rawPath: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        body: Buffer.concat(chunks),
        remotePort: request.socket.remotePort,
      });
      const answer = answers.shift() ?? fallback;
      if (answer === "drop") {
        request.socket.destroy();
        return;
      }
      const respond = () => {
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
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
