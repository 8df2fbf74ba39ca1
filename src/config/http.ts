// HTTP: where to listen, who may call across origins, proxies believed, GraphiQL, error detail, slow clients.
import { ConfigError } from "./error.js";
import { bool, type Env, int, originList } from "./parse.js";

export interface HttpConfig {
  port: number;
  host: string;
  /** Origins allowed to call with credentials (exact match). Default none. */
  corsOrigins: string[];
  /** Proxies in front of the app whose X-Forwarded-For entries are believed. Default 0: none. */
  trustProxy: number;
  /** Show error details to clients (development only, opt-in). Default false. */
  detailedErrors: boolean;
  /** GraphiQL on `GET /graphql` in a browser. Default: true except in production. */
  graphiql: boolean;
  /** `__schema` and `__type` queries. Default: true except in production. */
  introspection: boolean;
  /** The node:http server's bounds on slow clients. */
  http: {
    /** Longest time, ms, for a client to send the request's headers; then 408. Default 10000. */
    headersTimeoutMs: number;
    /** Longest time, ms, for a client to send the whole request; then 408. Default 30000. */
    requestTimeoutMs: number;
    /** How long, ms, an idle keep-alive connection stays open. Default 5000. */
    keepAliveTimeoutMs: number;
  };
}

/** `CORS_ORIGINS`: comma-separated bare origins; none by default. */
function corsOrigins(env: Env): string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return [];
  return originList(raw, (origin, url) =>
    url
      ? `CORS_ORIGINS holds "${origin}"; write the bare origin "${url.origin}"`
      : `CORS_ORIGINS holds "${origin}", which is not an origin like https://app.example.com`,
  );
}

/** `TRUST_PROXY`: a number of proxy hops; `true` means one, `false` none. */
function trustProxy(env: Env): number {
  const raw = env.TRUST_PROXY?.trim().toLowerCase();
  if (raw === "true") return 1;
  if (raw === "false") return 0;
  return int(env, "TRUST_PROXY", 0, 0, 10);
}

/** The node:http timeouts, ms. */
function timeouts(env: Env): HttpConfig["http"] {
  const http = {
    headersTimeoutMs: int(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    requestTimeoutMs: int(env, "HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: int(env, "HTTP_KEEP_ALIVE_TIMEOUT_MS", 5000, 100, 600_000),
  };
  // node:http refuses a headers timeout longer than the request timeout.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError("HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS");
  }
  return http;
}

/** `PORT`, `HOST`, `CORS_ORIGINS`, `TRUST_PROXY`, `DETAILED_ERRORS`, `GRAPHIQL`, `GRAPHQL_INTROSPECTION`, `HTTP_*_MS`. */
export function httpConfig(env: Env, production: boolean): HttpConfig {
  const detailedErrors = bool(env, "DETAILED_ERRORS", false);
  if (detailedErrors && production) {
    throw new ConfigError("DETAILED_ERRORS cannot be on when NODE_ENV=production");
  }
  return {
    port: int(env, "PORT", 4000, 0, 65535),
    host: env.HOST?.trim() || "localhost",
    corsOrigins: corsOrigins(env),
    trustProxy: trustProxy(env),
    detailedErrors,
    graphiql: bool(env, "GRAPHIQL", !production),
    introspection: bool(env, "GRAPHQL_INTROSPECTION", !production),
    http: timeouts(env),
  };
}
