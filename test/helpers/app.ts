// A real application on a fresh database, driven through yoga.fetch with a cookie jar.
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { type Backend, createTestDatabase } from "./database.js";
import { pgliteImage, USE_PGLITE_IMAGE } from "./pglite-image.js";

export const SECRET = "test-secret-that-is-long-enough-000000";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] };
}

export interface TestApp extends Application {
  /** Moves the clock the sessions see (seconds). */
  clock: { now: number; advance(seconds: number): void };
  /** SQL of every query since the app started; clear it with `queries.length = 0`. */
  queries: string[];
  /** A new client with its own cookie jar. */
  client(userAgent?: string): TestClient;
  dispose(): Promise<void>;
}

export interface TestClient {
  /** The session cookie value the client holds, if any. */
  cookie: string | null;
  /** The raw Set-Cookie headers of the last response. */
  lastSetCookie: string[];
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  login(username: string, password: string): Promise<GraphQLResponse>;
}

export const DEMO = {
  harry: { username: "harry", password: "lumos-maxima-1991" },
  luna: { username: "luna", password: "nargles-and-wrackspurts" },
  mcgonagall: { username: "mcgonagall", password: "transfiguration-today" },
} as const;

/** Builds the app with seed data on `backend`; `env` overrides the test environment. */
export async function createTestApp(
  backend: Backend,
  env: Record<string, string> = {},
  options: { mailPollMs?: number } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(backend);
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent", // also when a test switches NODE_ENV to production
    SESSION_SECRET: SECRET,
    DATA_DIR: IN_MEMORY,
    // Browser tests open the app at http://localhost:PORT; production switches need both set.
    WEBAUTHN_RP_ID: "localhost",
    WEBAUTHN_ORIGINS: "http://localhost:4000",
    APP_URL: "http://app.test",
    // Production needs a mail server; nothing listens on the discard port, so nothing is sent.
    ...(env.NODE_ENV === "production" ? { SMTP_URL: "smtp://127.0.0.1:9" } : {}),
    ...database.env,
    ...env,
  });
  // PGlite stays in memory unless the test names a DATA_DIR (to restart on the same data).
  if (!database.url && !env.DATA_DIR) config.dataDir = IN_MEMORY;
  // From a migrated, seeded image when the run asks for one (TEST_PGLITE_IMAGE=1).
  const image =
    USE_PGLITE_IMAGE && !config.databaseUrl && config.dataDir === IN_MEMORY ? await pgliteImage(config) : undefined;
  config.seedOnStart = !image;
  config.migrateOnStart = !image;
  const clock = {
    now: Math.floor(Date.now() / 1000),
    advance(seconds: number) {
      clock.now += seconds;
    },
  };
  const queries: string[] = [];
  const app = await buildApplication(config, {
    now: () => clock.now,
    onQuery: (sql) => queries.push(sql),
    mailPollMs: options.mailPollMs,
    image,
  });
  const cookieName = config.cookie.name;

  function client(userAgent = "vitest"): TestClient {
    const c: TestClient = {
      cookie: null,
      lastSetCookie: [],
      async gql(query, variables) {
        const headers: Record<string, string> = { "content-type": "application/json", "user-agent": userAgent };
        if (c.cookie !== null) headers.cookie = `${cookieName}=${c.cookie}`;
        const response = await app.yoga.fetch("http://localhost/graphql", {
          method: "POST",
          headers,
          body: JSON.stringify({ query, variables }),
        });
        c.lastSetCookie = response.headers.getSetCookie();
        for (const line of c.lastSetCookie) {
          const [pair] = line.split(";");
          const eq = pair.indexOf("=");
          if (pair.slice(0, eq) !== cookieName) continue;
          const value = pair.slice(eq + 1);
          const expired = /Max-Age=0/i.test(line);
          c.cookie = expired || value === "" ? null : value;
        }
        return { status: response.status, headers: response.headers, body: await response.json() };
      },
      login(username, password) {
        return c.gql("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id username } }", {
          u: username,
          p: password,
        });
      },
    };
    return c;
  }

  return {
    ...app,
    clock,
    queries,
    client,
    async dispose() {
      await app.close();
      await database.drop();
    },
  };
}

/** The `extensions.code` of each error, in order. */
export function codes(response: GraphQLResponse): unknown[] {
  return (response.body.errors ?? []).map((e) => e.extensions?.code);
}
