/**
 * A Node `tls` server on 127.0.0.1 that answers one line (`hello <peer CN>`)
 * per connection and records what it saw of each client, and a client that
 * does one such exchange. Both report failures as values, so a test can
 * assert on the exact verification error.
 */
import type { Socket } from "node:net";
import { type ConnectionOptions, connect, createServer, type TLSSocket, type TlsOptions } from "node:tls";
import { commonNameOf } from "./pki.js";

/** What the server saw of one client that completed the handshake. */
export interface AcceptedClient {
  authorized: boolean;
  authorizationError: string | undefined;
  /** CN of the client certificate, when one was sent. */
  commonName: string | undefined;
  protocol: string | null;
}

export interface TlsEchoServer {
  port: number;
  /** Clients whose handshake completed, in order. */
  accepted: AcceptedClient[];
  /** Errors of handshakes the server failed or refused (`tlsClientError`). */
  refused: Error[];
  close(): Promise<void>;
}

/** Starts the server; with `requestCert` + `rejectUnauthorized` only clients chaining to `ca` get through. */
export async function startTlsEchoServer(options: TlsOptions): Promise<TlsEchoServer> {
  const accepted: AcceptedClient[] = [];
  const refused: Error[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(options, (socket: TLSSocket) => {
    const peer = socket.getPeerCertificate();
    const commonName = peer && Object.keys(peer).length > 0 ? commonNameOf(peer.subject) : undefined;
    accepted.push({
      authorized: socket.authorized,
      authorizationError: socket.authorizationError?.toString(),
      commonName,
      protocol: socket.getProtocol(),
    });
    socket.on("error", () => {
      // the client went away: nothing to answer
    });
    socket.once("data", () => socket.end(`hello ${commonName ?? "anonymous"}\n`));
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error) => refused.push(error));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("TLS server has no port");
  return {
    port: address.port,
    accepted,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export type TlsExchange =
  | {
      ok: true;
      /** Whether the client verified the server against its `ca`. */
      authorized: boolean;
      /** CN of the server certificate. */
      serverCommonName: string | undefined;
      protocol: string | null;
      /** The server's one-line answer. */
      reply: string;
    }
  | { ok: false; error: Error & { code?: string } };

/**
 * Connects to 127.0.0.1:`port`, sends one line and reads the answer. With
 * TLS 1.3 a refused client certificate shows only after the handshake (the
 * server's alert arrives when the client reads), so a success means the
 * server answered.
 */
export function tlsExchange(port: number, options: ConnectionOptions, timeoutMs = 10_000): Promise<TlsExchange> {
  return new Promise((resolve) => {
    let reply = "";
    let settled = false;
    const socket = connect({ host: "127.0.0.1", port, ...options });
    const finish = (result: TlsExchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: new Error(`no answer within ${timeoutMs} ms`) }),
      timeoutMs,
    );
    socket.once("secureConnect", () => socket.write("ping\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("utf8");
      if (reply.endsWith("\n")) {
        finish({
          ok: true,
          authorized: socket.authorized,
          serverCommonName: commonNameOf(socket.getPeerCertificate().subject),
          protocol: socket.getProtocol(),
          reply: reply.trim(),
        });
      }
    });
    socket.once("error", (error) => finish({ ok: false, error }));
    socket.once("close", () =>
      finish({ ok: false, error: new Error(`connection closed before an answer: '${reply}'`) }),
    );
  });
}
