// graphql-ws clients over real WebSockets for tests: a cookie and an Origin on the upgrade.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { attachWebSocket } from "../../src/http/websocket.js";
import type { TestApp } from "./app.js";

export interface WsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** The app behind a real HTTP server on a random port, with the WebSocket endpoint attached. */
export async function serveWithWebSocket(app: TestApp): Promise<WsServer> {
  const server = http.createServer(app.yoga);
  const endpoint = attachWebSocket(server, app.yoga, app.config, app.log);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `ws://127.0.0.1:${port}/graphql`,
    async close() {
      await endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WebSocket class that sends `headers` (cookie, origin) with its upgrade request. */
export function withHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/** A graphql-ws client whose upgrade carries the session cookie `cookie` (if any) named `name`. */
export function wsClient(
  url: string,
  cookie: string | null,
  extra: Record<string, string> = {},
  name = "session",
): Client {
  return createClient({
    url,
    webSocketImpl: withHeaders({ ...(cookie ? { cookie: `${name}=${cookie}` } : {}), ...extra }),
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Result {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export interface Subscription {
  /** The next result; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Result>;
  /** Resolves when the server completes the operation (or the socket fails). */
  done: Promise<void>;
  unsubscribe(): void;
}

/** Subscribes through `client` and queues what arrives. */
export function subscribeWs(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription {
  const queue: Result[] = [];
  const waiters: (() => void)[] = [];
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        queue.push(value as Result);
        wake();
      },
      error: (error) => {
        queue.push({
          errors: [{ message: String((error as Error).message ?? error), extensions: { code: "SOCKET" } }],
        });
        finish();
        wake();
      },
      complete: () => {
        finish();
        wake();
      },
    },
  );
  return {
    done,
    unsubscribe,
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no result within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return queue.shift() as Result;
    },
  };
}
