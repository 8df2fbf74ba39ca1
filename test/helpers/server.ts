// Real HTTP servers on random local ports: the app itself, and static pages for browser tests.
import http from "node:http";
import type { AddressInfo } from "node:net";
import makeFetchCookie from "fetch-cookie";
import { CookieJar } from "tough-cookie";
import { createTestApp, type TestApp } from "./app.js";
import type { Backend } from "./database.js";

export interface Listening {
  /** The port the kernel picked. */
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 at a port chosen by the kernel. */
export async function listen(handler: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface ServedApp {
  app: TestApp;
  port: number;
  /** `http://127.0.0.1:PORT/graphql`: what Node clients call. */
  endpoint: string;
  close(): Promise<void>;
}

/** The real application (fresh seeded database) behind a real HTTP server; its emailed links point at it. */
export async function serveTestApp(
  backend: Backend,
  env: Record<string, string> = {},
  options: { mailPollMs?: number } = {},
): Promise<ServedApp> {
  // Listen first, so that the app knows its own origin for WebAuthn and links (http://localhost:PORT).
  let handler: http.RequestListener = (_request, response) => response.writeHead(503).end();
  const server = await listen((request, response) => handler(request, response));
  const origin = `http://localhost:${server.port}`;
  const app = await createTestApp(backend, { WEBAUTHN_ORIGINS: origin, APP_URL: origin, ...env }, options);
  handler = app.yoga;
  return {
    app,
    port: server.port,
    endpoint: `http://127.0.0.1:${server.port}/graphql`,
    async close() {
      await server.close();
      await app.dispose();
    },
  };
}

/** Serves one HTML document at every path; for a front end on its own origin. */
export function servePage(html: string): Promise<Listening> {
  return listen((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(html);
  });
}

/** A fetch that keeps cookies the way a browser profile would (tough-cookie jar). */
export function cookieFetch(): { fetch: typeof fetch; jar: CookieJar } {
  const jar = new CookieJar();
  return { fetch: makeFetchCookie(fetch, jar) as typeof fetch, jar };
}
