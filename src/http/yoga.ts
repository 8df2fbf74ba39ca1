// The Yoga instance: schema, context factory, plugins, GraphiQL, error masking.
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { createYoga, maskError, type YogaServerInstance } from "graphql-yoga";
import { useSharedEventExecution } from "../live/shared-execution.js";
import { schema } from "../schema/index.js";
import { useAccountPage } from "./account-page.js";
import type { ServerContext } from "./client-address.js";
import { type Context, type ContextDeps, createContextFactory } from "./context.js";
import { CSRF_HEADERS, corsFor } from "./cors.js";
import { summarizeError } from "./error-summary.js";
import { DEVELOPMENT_DOCUMENT } from "./graphiql-document.js";
import { useLimits } from "./limits/index.js";
import { useReadiness } from "./readiness.js";
import { logUnexpected, useRequestLog } from "./request-log.js";
import { rememberSession, type SessionsByRequest, useSessionCookies } from "./session-cookies.js";
import { useSingleConnectionSse } from "./sse-single.js";

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

export interface YogaDeps extends ContextDeps {
  /** Resolves when the database answers; used by `GET /ready`. */
  ping(): Promise<void>;
}

export type YogaServer = YogaServerInstance<ServerContext, Context>;

/** The Yoga server for `deps`: a fetch handler, and a node:http request listener. */
export function createYogaServer(deps: YogaDeps): YogaServer {
  const { config, log } = deps;
  const sessions: SessionsByRequest = new WeakMap();
  const buildContext = createContextFactory(deps, (request, session) => rememberSession(sessions, request, session));
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Yoga's own cap re-streams every body through a TransformStream; useBodyLimit does not.
    maxRequestBodySize: false,
    // Subscriptions over the WebSocket: GraphiQL's SSE mode opens them with a header-less GET,
    // which the CSRF rule refuses.
    graphiql: config.graphiql
      ? {
          title: "Hogwarts GraphQL",
          credentials: "same-origin",
          subscriptionsProtocol: "WS",
          // The demo accounts exist only outside production, and so does a document naming them.
          ...(config.nodeEnv === "production" ? {} : { defaultQuery: DEVELOPMENT_DOCUMENT }),
        }
      : false,
    // Loaded on the first GraphiQL page view: the bundle costs about 70 MB of RSS.
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    logging: {
      debug: (...args) => log.debug(yogaText(args)),
      info: (...args) => log.info(yogaText(args)),
      warn: (...args) => log.warn(yogaText(args)),
      // Yoga logs each error it masks: already logged (once, safely) by logUnexpected.
      error: (...args) => {
        for (const arg of args) {
          if (arg instanceof Error) logUnexpected(arg, log);
          // Never the value itself: a thrown string could hold anything the request carried.
          else log.error({ type: typeof arg }, "yoga reported an error that is not an Error");
        }
      },
    },
    maskedErrors: {
      isDev: config.detailedErrors,
      // Expected errors (GraphQLErrors we threw) pass; anything else reaches the client as
      // "Unexpected error." with no details, and is logged once.
      maskError(error, message, isDev) {
        const masked = maskError(error, message, isDev);
        if (masked !== error) logUnexpected(error, log);
        return masked;
      },
    },
    context: buildContext,
    cors: corsFor(config.corsOrigins),
    plugins: [
      useRequestLog(log),
      useAccountPage(),
      useReadiness(deps.ping, Math.min(2000, config.dbTimeoutMs)),
      // Form posts and header-less GETs can come from any site without a preflight: refuse them.
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      useSessionCookies(sessions),
      useSingleConnectionSse(CSRF_HEADERS),
      useSharedEventExecution(),
      ...useLimits(config),
    ],
  });
}
