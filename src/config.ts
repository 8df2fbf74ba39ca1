// Reads and validates the environment once; everything else takes the typed result.
import { availableParallelism } from "node:os";
import path from "node:path";
import { ConfigError } from "./config-error.js";
import { postgresUrl, redisUrls } from "./config-urls.js";

export type NodeEnv = "production" | "development" | "test";
export type SameSite = "lax" | "strict" | "none";

export interface Config {
  nodeEnv: NodeEnv;
  /** `postgresql://…` for a PostgreSQL server; null for embedded PGlite under `dataDir`. */
  databaseUrl: string | null;
  /**
   * A direct `postgresql://` URL for migrations, which need one session throughout (a pooler
   * in transaction mode cannot give them that). Default: `databaseUrl`.
   */
  migrateDatabaseUrl: string | null;
  /** Where PGlite and the development secret live. Default `./data`. */
  dataDir: string;
  /** Raw `SESSION_SECRET`; parsed and checked by the session secrets module. */
  sessionSecret: string | null;
  port: number;
  host: string;
  /** Origins allowed to call with credentials (exact match). Default none. */
  corsOrigins: string[];
  /** One Redis URL, or the node URLs of a Redis Cluster (several, comma-separated in REDIS_URL). */
  redisUrls: string[] | null;
  cookie: {
    /**
     * Default `__Host-session` in production (browsers then refuse the name from any other
     * host, so a sibling subdomain cannot toss a cookie over it); `session` elsewhere, and in
     * production when `SESSION_COOKIE_SECURE=false` (the prefix needs `Secure`).
     */
    name: string;
    /** Default: true in production, false elsewhere. */
    secure: boolean;
    /** Default `lax`. `none` requires `secure`. */
    sameSite: SameSite;
    /** CHIPS `Partitioned`: a cross-site front end keeps the cookie where third-party cookies are blocked. Default false; requires `secure`. */
    partitioned: boolean;
  };
  session: {
    /** Absolute lifetime from login, seconds. Default 7 days. */
    absoluteTimeout: number;
    /** Idle lifetime renewed by use, seconds. Default 24 hours. */
    idleTimeout: number;
    /** Least time between two renewals (cookie re-seal and last-seen write), seconds. Default 5 minutes. */
    renewInterval: number;
    /** How long a full authentication counts as recent for sensitive changes, seconds. Default 600. */
    reauthMaxAge: number;
  };
  /** Run pending migrations at start. Default: true except in production. */
  migrateOnStart: boolean;
  /** Create the demo data at start when the database is empty. Default: true except in production. */
  seedOnStart: boolean;
  /** Show error details to clients (development only, opt-in). Default false. */
  detailedErrors: boolean;
  /** pino level; `silent` turns logs off. Default `info` (`silent` in test). */
  logLevel: string;
  /**
   * PostgreSQL: the longest wait, in ms, for a connection, a query's answer (client side)
   * and a statement (server side) before the request fails with a masked error. Default 5000.
   */
  dbTimeoutMs: number;
  /**
   * After SIGTERM, ms during which `/ready` answers 503 while requests are still served, so that
   * a proxy checking `/ready` stops routing here first; 0 = none. Default 5000 in production, 0 elsewhere.
   */
  shutdownDrainMs: number;
  /** After the drain, ms to let requests in flight finish before the process gives up and exits 1. Default 10000. */
  shutdownTimeoutMs: number;
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
  /** `npm run start:cluster`: worker processes. Default: one per core (`os.availableParallelism()`). */
  clusterWorkers: number;
  /** Proxies in front of the app whose X-Forwarded-For entries are believed. Default 0: none. */
  trustProxy: number;
  throttle: {
    /** Failed logins per username per window. Default 5. */
    maxPerUser: number;
    /** Failed logins per client address per window. Default 50. */
    maxPerAddress: number;
    /** Window length, seconds, counted from the first failure. Default 900. */
    window: number;
    /** In-process counters kept at most (no Redis); keys still limiting are never dropped. Default 100000. */
    maxKeys: number;
    /** Prefix of the Redis keys. Default `hogwarts:login:`. */
    redisPrefix: string;
  };
  live: {
    /** Open subscriptions per session, per instance. Default 5. */
    perSession: number;
    /** Open subscriptions per instance. Default 10000. */
    perInstance: number;
    /** Events that may wait for a slow subscriber before its subscription is dropped. Default 100. */
    buffer: number;
    /** Keep-alive interval of WebSocket pings, ms; 0 = none. Default 12000. (SSE comments: Yoga's own, every 12 s.) */
    keepAliveMs: number;
  };
  webauthn: {
    /** Relying party id (a registrable domain of the page's origin). Default `localhost`; required in production. */
    rpId: string;
    /** Origins a passkey ceremony may come from (exact match). Default `http://localhost:PORT`; required in production. */
    origins: string[];
  };
  mail: {
    /** `SMTP_URL` (`smtp://` or `smtps://`); null: each message is written under `dataDir/mail` (not allowed in production). */
    smtpUrl: string | null;
    /** `MAIL_FROM`, the sender. Default `Hogwarts <no-reply@HOST-OF-APP_URL>`. */
    from: string;
    /** `APP_URL`: where emailed links point (`APP_URL/account#…`). Default `http://localhost:PORT`; required in production. */
    appUrl: string;
    /** `MAIL_MAX_ATTEMPTS`: tries per message before it is marked failed. Default 8. */
    maxAttempts: number;
    /** `MAIL_RETRY_SECONDS`: wait after the first failed try, doubled after each. Default 30. */
    retrySeconds: number;
  };
  hashing: {
    /** argon2 hashes running at once. Default `UV_THREADPOOL_SIZE` (the threads that run them), else 4. */
    slots: number;
    /** Longest wait for a free slot, ms, before RATE_LIMITED. Default 1000. */
    maxWaitMs: number;
    /** Requests waiting for a slot at most; more are RATE_LIMITED at once. Default 64. */
    maxQueue: number;
    /** Hashes one signed-in user (`changePassword`) may have running or waiting. Default 2. */
    perUser: number;
  };
  limits: {
    /** Largest request body, bytes. Default 100000. */
    maxBodyBytes: number;
    /** Default 10 (introspection under `__schema` is bounded by graphql-js itself). */
    maxDepth: number;
    /** Default 15. */
    maxAliases: number;
    /** Default 50. */
    maxDirectives: number;
    /** Default 1000. */
    maxTokens: number;
    /** graphql-armor's cost estimate (`first` literals multiply: a page of 100 students costs about 3800). Default 5000. */
    maxCost: number;
  };
}

export { ConfigError };

type Env = Record<string, string | undefined>;

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

function origins(env: Env): string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(",").map((o) => {
    const origin = o.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`CORS_ORIGINS holds "${origin}", which is not an origin like https://app.example.com`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS holds "${origin}"; write the bare origin "${url.origin}"`);
    }
    return origin;
  });
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function logLevel(env: Env, nodeEnv: NodeEnv): string {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return nodeEnv === "test" ? "silent" : "info";
  if (!LOG_LEVELS.includes(raw))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  return raw;
}

/** `WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGINS`: production must name them, since a wrong guess breaks every passkey. */
function webauthn(env: Env, production: boolean, port: number): Config["webauthn"] {
  const rpId = env.WEBAUTHN_RP_ID?.trim().toLowerCase() ?? "";
  const rawOrigins = env.WEBAUTHN_ORIGINS?.trim() ?? "";
  if (production && (!rpId || !rawOrigins)) {
    throw new ConfigError(
      "WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS are required in production (e.g. example.com and https://example.com)",
    );
  }
  if (rpId && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a domain name like example.com, got "${rpId}"`);
  }
  const origins = rawOrigins
    ? rawOrigins.split(",").map((o) => {
        const origin = o.trim();
        let url: URL | null = null;
        try {
          url = new URL(origin);
        } catch {}
        if (!url || url.origin !== origin) {
          throw new ConfigError(
            `WEBAUTHN_ORIGINS holds "${origin}", which is not a bare origin like https://example.com`,
          );
        }
        return origin;
      })
    : [`http://localhost:${port}`];
  return { rpId: rpId || "localhost", origins };
}

/** `TRUST_PROXY`: a number of proxy hops; `true` means one, `false` none. */
function trustProxy(env: Env): number {
  const raw = env.TRUST_PROXY?.trim().toLowerCase();
  if (raw === "true") return 1;
  if (raw === "false") return 0;
  return int(env, "TRUST_PROXY", 0, 0, 10);
}

/** `APP_URL`: an http(s) URL without query or fragment, kept without a trailing slash. */
function appUrl(env: Env, production: boolean, port: number): string {
  const raw = env.APP_URL?.trim();
  if (!raw) {
    if (production)
      throw new ConfigError(
        "APP_URL is required in production: the address of the account page's site, e.g. https://hogwarts.example",
      );
    return `http://localhost:${port || 4000}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`APP_URL is not a valid URL; expected https://hogwarts.example`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username) {
    throw new ConfigError("APP_URL must be a plain http:// or https:// URL without credentials, query or fragment");
  }
  return url.toString().replace(/\/+$/, "");
}

/** `SMTP_URL`: smtp:// or smtps://; required in production. */
function smtpUrl(env: Env, production: boolean): string | null {
  const raw = env.SMTP_URL?.trim();
  if (!raw) {
    if (production)
      throw new ConfigError("SMTP_URL is required in production: smtp://user:pass@host:587 or smtps://…:465");
    return null;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("SMTP_URL is not a valid URL; expected smtp://user:pass@host:587 or smtps://…:465");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new ConfigError(`SMTP_URL must start with smtp:// or smtps://, got "${url.protocol}//…"`);
  }
  return raw;
}

/** `MAIL_FROM`: one sender, no line breaks (it becomes a header). */
function mailFrom(env: Env, app: string): string {
  const raw = env.MAIL_FROM?.trim();
  if (!raw) return `Hogwarts <no-reply@${new URL(app).hostname}>`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(raw) || !raw.includes("@") || raw.length > 320) {
    throw new ConfigError(
      'MAIL_FROM must be one address like "Hogwarts <no-reply@hogwarts.example>", without line breaks',
    );
  }
  return raw;
}

/** Reads the environment. Throws ConfigError naming the variable at the first mistake. */
export function loadConfig(env: Env = process.env): Config {
  const rawEnv = env.NODE_ENV?.trim() || "development";
  if (!["production", "development", "test"].includes(rawEnv)) {
    throw new ConfigError(`NODE_ENV must be production, development or test, got "${rawEnv}"`);
  }
  const nodeEnv = rawEnv as NodeEnv;
  const production = nodeEnv === "production";
  const sameSite = (env.SESSION_COOKIE_SAMESITE?.trim().toLowerCase() || "lax") as SameSite;
  if (!["lax", "strict", "none"].includes(sameSite)) {
    throw new ConfigError(`SESSION_COOKIE_SAMESITE must be lax, strict or none, got "${sameSite}"`);
  }
  const secure = bool(env, "SESSION_COOKIE_SECURE", production);
  if (sameSite === "none" && !secure) {
    throw new ConfigError("SESSION_COOKIE_SAMESITE=none needs SESSION_COOKIE_SECURE=true (browsers drop it otherwise)");
  }
  const partitioned = bool(env, "SESSION_COOKIE_PARTITIONED", false);
  if (partitioned && !secure) {
    throw new ConfigError(
      "SESSION_COOKIE_PARTITIONED=true needs SESSION_COOKIE_SECURE=true (browsers drop it otherwise)",
    );
  }
  const cookieName = env.SESSION_COOKIE_NAME?.trim() || (production && secure ? "__Host-session" : "session");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(cookieName)) {
    throw new ConfigError("SESSION_COOKIE_NAME may hold only letters, digits, '_', '.' and '-'");
  }
  // Browsers match the prefixes case-insensitively and drop such a cookie unless it is Secure.
  if (/^__(host|secure)-/i.test(cookieName) && !secure) {
    throw new ConfigError(
      `SESSION_COOKIE_NAME=${cookieName} needs SESSION_COOKIE_SECURE=true (browsers drop a __Host- or __Secure- cookie without Secure)`,
    );
  }
  const detailedErrors = bool(env, "DETAILED_ERRORS", false);
  if (detailedErrors && production) {
    throw new ConfigError("DETAILED_ERRORS cannot be on when NODE_ENV=production");
  }
  const day = 24 * 60 * 60;
  const session = {
    absoluteTimeout: int(env, "SESSION_ABSOLUTE_TIMEOUT", 7 * day, 60, 366 * day),
    idleTimeout: int(env, "SESSION_IDLE_TIMEOUT", day, 60, 366 * day),
    renewInterval: int(env, "SESSION_RENEW_INTERVAL", 5 * 60, 0, day),
    reauthMaxAge: int(env, "REAUTH_MAX_AGE", 600, 30, day),
  };
  // Use is recorded at most every renew interval, so a longer one would end sessions in use.
  if (session.renewInterval >= session.idleTimeout) {
    throw new ConfigError("SESSION_RENEW_INTERVAL must be shorter than SESSION_IDLE_TIMEOUT");
  }
  const databaseUrl = postgresUrl(env, "DATABASE_URL");
  const migrateDatabaseUrl = postgresUrl(env, "MIGRATE_DATABASE_URL");
  if (migrateDatabaseUrl && !databaseUrl) {
    throw new ConfigError("MIGRATE_DATABASE_URL needs DATABASE_URL (the embedded database migrates itself)");
  }
  const port = int(env, "PORT", 4000, 0, 65535);
  const app = appUrl(env, production, port);
  const mail = {
    smtpUrl: smtpUrl(env, production),
    from: mailFrom(env, app),
    appUrl: app,
    maxAttempts: int(env, "MAIL_MAX_ATTEMPTS", 8, 1, 100),
    retrySeconds: int(env, "MAIL_RETRY_SECONDS", 30, 1, day),
  };
  const http = {
    headersTimeoutMs: int(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    requestTimeoutMs: int(env, "HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    keepAliveTimeoutMs: int(env, "HTTP_KEEP_ALIVE_TIMEOUT_MS", 5000, 100, 600_000),
  };
  // node:http refuses a headers timeout longer than the request timeout.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError("HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS");
  }
  return {
    nodeEnv,
    databaseUrl,
    migrateDatabaseUrl,
    // `memory://` (tests) names no directory: nothing is written to disk for it.
    dataDir: env.DATA_DIR?.trim() === "memory://" ? "memory://" : path.resolve(env.DATA_DIR?.trim() || "data"),
    sessionSecret: env.SESSION_SECRET?.trim() || null,
    port,
    host: env.HOST?.trim() || "localhost",
    corsOrigins: origins(env),
    redisUrls: redisUrls(env.REDIS_URL),
    cookie: { name: cookieName, secure, sameSite, partitioned },
    session,
    migrateOnStart: bool(env, "MIGRATE_ON_START", !production),
    seedOnStart: bool(env, "SEED_ON_START", !production),
    detailedErrors,
    logLevel: logLevel(env, nodeEnv),
    dbTimeoutMs: int(env, "DB_TIMEOUT_MS", 5000, 100, 600_000),
    shutdownDrainMs: int(env, "SHUTDOWN_DRAIN_MS", production ? 5000 : 0, 0, 600_000),
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
    graphiql: bool(env, "GRAPHIQL", !production),
    introspection: bool(env, "GRAPHQL_INTROSPECTION", !production),
    http,
    clusterWorkers: int(env, "CLUSTER_WORKERS", availableParallelism(), 1, 256),
    trustProxy: trustProxy(env),
    throttle: {
      maxPerUser: int(env, "LOGIN_MAX_FAILURES_PER_USER", 5, 1, 1_000_000),
      maxPerAddress: int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 50, 1, 1_000_000),
      window: int(env, "LOGIN_THROTTLE_WINDOW", 15 * 60, 1, day),
      maxKeys: int(env, "LOGIN_THROTTLE_MAX_KEYS", 100_000, 100, 100_000_000),
      redisPrefix: env.REDIS_KEY_PREFIX?.trim() || "hogwarts:login:",
    },
    live: {
      perSession: int(env, "SUBSCRIPTIONS_PER_SESSION", 5, 1, 10_000),
      perInstance: int(env, "SUBSCRIPTIONS_PER_INSTANCE", 10_000, 1, 10_000_000),
      buffer: int(env, "SUBSCRIPTION_BUFFER", 100, 1, 100_000),
      keepAliveMs: int(env, "SUBSCRIPTION_KEEPALIVE_MS", 12_000, 0, 600_000),
    },
    webauthn: webauthn(env, production, port),
    mail,
    hashing: {
      slots: int(env, "HASH_CONCURRENCY", int(env, "UV_THREADPOOL_SIZE", 4, 1, 1024), 1, 1024),
      maxWaitMs: int(env, "HASH_QUEUE_WAIT_MS", 1000, 0, 60_000),
      maxQueue: int(env, "HASH_QUEUE_MAX", 64, 0, 100_000),
      perUser: int(env, "HASH_MAX_PER_USER", 2, 1, 1000),
    },
    limits: {
      maxBodyBytes: int(env, "MAX_BODY_BYTES", 100_000, 1_000, 100_000_000),
      maxDepth: int(env, "QUERY_MAX_DEPTH", 10, 1, 1000),
      maxAliases: int(env, "QUERY_MAX_ALIASES", 15, 0, 10_000),
      maxDirectives: int(env, "QUERY_MAX_DIRECTIVES", 50, 0, 10_000),
      maxTokens: int(env, "QUERY_MAX_TOKENS", 1000, 100, 1_000_000),
      maxCost: int(env, "QUERY_MAX_COST", 5000, 50, 100_000_000),
    },
  };
}
