// The typed per-request Context: cookie -> session -> user, looked up once before execution.
import type { LoginThrottle } from "./auth/throttle.js";
import { clientAddress, type ServerContext } from "./client-address.js";
import type { Config } from "./config.js";
import type { PrismaClient } from "./db/client.js";
import type { StudentPages } from "./db/students.js";
import type { LiveHub } from "./live/hub.js";
import type { Logger } from "./log.js";
import { logUnexpected, requestLogger } from "./request-log.js";
import { RequestSession, type SessionDeps } from "./session/request.js";
import type { CurrentUser, SessionStore } from "./session/store.js";

export interface Context {
  request: Request;
  config: Config;
  prisma: PrismaClient;
  /** The students pages (plain SQL on the hot path, src/db/students.ts); Prisma for the rest. */
  pages: StudentPages;
  sessions: SessionStore;
  session: RequestSession;
  log: Logger;
  /** Counts login attempts (src/auth/throttle.ts). */
  throttle: LoginThrottle;
  /** The caller's address as the throttle counts it (src/client-address.ts). */
  clientAddress: string;
  /** This instance's open subscriptions; awards are announced through it. */
  live: LiveHub;
  /** undefined until the user has been looked up; then the user or null. */
  user: CurrentUser | null | undefined;
  /** The signed-in user or null; the first call does the lookup, later ones reuse it. */
  getUser(): Promise<CurrentUser | null>;
}

/** What a field guarded by the `signedIn` scope sees. */
export type SignedInContext = Context & { user: CurrentUser };

export interface ContextDeps extends SessionDeps {
  config: Config;
  prisma: PrismaClient;
  pages: StudentPages;
  log: Logger;
  throttle: LoginThrottle;
  live: LiveHub;
}

/**
 * Builds the context on Yoga's own initial context object, so that `ctx.user` written by
 * `getUser()` is seen by every resolver and scope of the request.
 */
export function createContextFactory(deps: ContextDeps) {
  return (initial: { request: Request } & ServerContext): Context => {
    const { request } = initial;
    const session = new RequestSession(deps, request.headers.get("cookie"), request.headers.get("user-agent"));
    const ctx = Object.assign(initial, {
      config: deps.config,
      prisma: deps.prisma,
      pages: deps.pages,
      sessions: deps.store,
      session,
      log: requestLogger(request, deps.log),
      throttle: deps.throttle,
      live: deps.live,
      clientAddress: clientAddress(request, initial, deps.config.trustProxy),
      user: undefined,
      async getUser() {
        const user = await session.getUser();
        ctx.user = user;
        return user;
      },
    }) as Context;
    return ctx;
  };
}

/**
 * Looks the user up before execution when the request carries a session cookie (without
 * one the caller is anonymous), so that every scope check of the request answers at once
 * instead of awaiting a promise per object and field. Yoga builds the context after parsing
 * and validation, so a rejected document costs no lookup.
 */
export function withUser(ctx: Context): Context | Promise<Context> {
  if (ctx.session.hasCookie) {
    return ctx.getUser().then(
      () => ctx,
      (error: unknown) => {
        // Logged here, where the request id is known; Yoga masks it as "Unexpected error.".
        logUnexpected(error, ctx.log);
        throw error;
      },
    );
  }
  ctx.user = null;
  return ctx;
}
