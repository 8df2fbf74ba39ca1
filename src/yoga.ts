// The Yoga instance: schema, context factory, cookies out, GraphiQL, health, error masking.
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { createYoga, maskError, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { ServerContext } from "./client-address.js";
import { type Context, type ContextDeps, createContextFactory, withUser } from "./context.js";
import { summarizeError } from "./error-summary.js";
import { useLimits } from "./limits/index.js";
import { logUnexpected, useRequestLog } from "./request-log.js";
import { schema } from "./schema/index.js";
import type { RequestSession } from "./session/request.js";

export interface YogaDeps extends ContextDeps {
  /** Resolves when the database answers; used by `GET /ready`. */
  ping(): Promise<void>;
}

export type App = YogaServerInstance<ServerContext, Context>;

/** Writes each session's Set-Cookie headers onto the response of its request. */
function useSessionCookies(sessions: WeakMap<Request, RequestSession[]>): Plugin {
  return {
    onResponse({ request, response }) {
      for (const session of sessions.get(request) ?? []) {
        for (const header of session.outgoing) response.headers.append("set-cookie", header);
      }
    },
  };
}

/**
 * `GET /ready` answers 200 while the database answers, 503 otherwise. (`GET /health`, the
 * liveness probe, is Yoga's own: 200 while the process serves requests.)
 */
function useReady(ping: () => Promise<void>, timeoutMs: number): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === "/ready") {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
        });
        const ready = await Promise.race([ping(), timeout]).then(
          () => true,
          () => false,
        );
        clearTimeout(timer);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? "ready" : "database unreachable" }), {
            status: ready ? 200 : 503,
            headers: { "content-type": "application/json" },
          }),
        );
      }
    },
  };
}

/** Headers that mark a GET (or form-typed POST) as sent by a script, not a cross-site form. */
export const CSRF_HEADERS = ["x-graphql-yoga-csrf", "graphql-preflight", "apollo-require-preflight"];

/**
 * CORS that fails closed: only origins listed in CORS_ORIGINS get
 * Access-Control-Allow-Origin (and credentials); any other origin gets no CORS headers.
 */
function corsFor(allowed: readonly string[]) {
  const set = new Set(allowed);
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (!origin || !set.has(origin)) return false as const;
    return {
      origin,
      credentials: true,
      methods: ["GET", "POST"],
      allowedHeaders: ["content-type", "accept", ...CSRF_HEADERS],
      maxAge: 600,
    };
  };
}

/**
 * Yoga's own log arguments as one line. String(error) of a GraphQLError prints the document
 * around its location, passwords written inline included: an error is summarised instead.
 */
function yogaText(args: unknown[]): string {
  return args
    .map((arg) => {
      if (!(arg instanceof Error)) return String(arg);
      const { type, message } = summarizeError(arg);
      return `${type}: ${message}`;
    })
    .join(" ");
}

export function createApp(deps: YogaDeps): App {
  const { config, log } = deps;
  const sessions = new WeakMap<Request, RequestSession[]>();
  const buildContext = createContextFactory(deps);
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Yoga's own cap re-streams every request body through a TransformStream; useBodyLimit
    // (src/limits/body.ts) checks Content-Length and only streams chunked bodies.
    maxRequestBodySize: false,
    graphiql: config.graphiql ? { title: "Hogwarts GraphQL", credentials: "same-origin" } : false,
    // Loaded on the first GraphiQL page view: the bundle costs about 70 MB of RSS (npm run bench).
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    logging: {
      debug: (...args) => log.debug(yogaText(args)),
      info: (...args) => log.info(yogaText(args)),
      warn: (...args) => log.warn(yogaText(args)),
      // Yoga logs each error it masks: already logged (once, safely) by logUnexpected.
      error: (...args) => {
        for (const arg of args) {
          if (arg instanceof Error) logUnexpected(arg, log);
          else log.error(yogaText([arg]));
        }
      },
    },
    maskedErrors: {
      isDev: config.detailedErrors,
      // Expected errors (GraphQLErrors we threw) pass; anything else reaches the client as
      // "Unexpected error." with no details, and is logged (with the request id when it
      // came out of execution: src/request-log.ts).
      maskError(error, message, isDev) {
        const masked = maskError(error, message, isDev);
        if (masked !== error) logUnexpected(error, log);
        return masked;
      },
    },
    context: (initial) => {
      const ctx = buildContext(initial);
      const request = initial.request;
      const list = sessions.get(request);
      if (list) list.push(ctx.session);
      else sessions.set(request, [ctx.session]);
      return withUser(ctx);
    },
    cors: corsFor(config.corsOrigins),
    plugins: [
      useRequestLog(log),
      useReady(deps.ping, Math.min(2000, config.dbTimeoutMs)),
      // Form posts and header-less GETs can come from any site without a preflight: refuse them.
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      useSessionCookies(sessions),
      ...useLimits(config),
    ],
  });
}
