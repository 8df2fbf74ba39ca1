// The typed per-request Context: cookie -> session -> user, looked up once before execution.
import type { HashQueue } from "../auth/hash-queue.js";
import type { SecretBox } from "../auth/secret-box.js";
import type { LoginThrottle } from "../auth/throttle.js";
import type { Config } from "../config/index.js";
import type { PasskeyStore } from "../db/passkeys.js";
import type { PointQueries } from "../db/points.js";
import type { SecondFactorStore } from "../db/second-factors.js";
import type { SecurityEvents } from "../db/security-events.js";
import type { SessionStore } from "../db/sessions.js";
import type { StudentQueries } from "../db/students.js";
import type { CurrentUser, UserQueries } from "../db/users.js";
import type { LiveHub } from "../live/hub.js";
import type { Logger } from "../log.js";
import type { Mailer } from "../mail/mailer.js";
import type { ChallengeCookie } from "../session/challenge-cookie.js";
import { RequestSession, type SessionDeps } from "../session/request.js";
import { clientAddress, type ServerContext } from "./client-address.js";
import { logUnexpected, requestLogger } from "./request-log.js";

/** What every request's context shares: the configuration and the app's stores, built once. */
export interface Services {
  config: Config;
  throttle: LoginThrottle;
  /** Every password hash and check runs through it, so one client cannot take every thread. */
  hashes: HashQueue;
  users: UserQueries;
  students: StudentQueries;
  points: PointQueries;
  /** TOTP, recovery codes and pending sign-ins. */
  factors: SecondFactorStore;
  /** Seals TOTP secrets at rest. */
  totpBox: SecretBox;
  /** The audit trail. */
  events: SecurityEvents;
  /** This instance's open subscriptions; awards are announced through it. */
  live: LiveHub;
  /** Passkeys and WebAuthn challenges. */
  passkeys: PasskeyStore;
  /** The cookie that binds a WebAuthn challenge to the browser that asked for it. */
  challengeCookie: ChallengeCookie;
  /** The outbox and emailed-link tokens. */
  mail: Mailer;
}

export interface Context extends Services {
  request: Request;
  /** This request's logger (carries its request id). */
  log: Logger;
  /** This request's session: the cookie it carried and the Set-Cookie it answers with. */
  session: RequestSession;
  /** The signed-in user, looked up before execution; login and logout update it. */
  user: CurrentUser | null;
  /** The caller's address as the login throttle counts it. */
  clientAddress: string;
  /** Every session row (other sessions of the user, revocation); `session` is this request's. */
  sessionStore: SessionStore;
}

/** What a field guarded by the `signedIn` scope sees. */
export type SignedInContext = Context & { user: CurrentUser };

export interface ContextDeps extends SessionDeps, Services {
  log: Logger;
}

/**
 * Builds the context on Yoga's own initial context object, so that `ctx.user` written by
 * login and logout is seen by every later resolver and scope of the request.
 *
 * The user is looked up before execution when the request carries a session cookie, so that
 * every scope check answers at once instead of awaiting a promise per object and field. Yoga
 * builds the context after parsing and validation, so a rejected document costs no lookup.
 * `onSession` hears of each request's session at once, so its Set-Cookie leaves even on failure.
 */
export function createContextFactory(
  deps: ContextDeps,
  onSession: (request: Request, session: RequestSession) => void,
) {
  return (initial: { request: Request } & ServerContext): Context | Promise<Context> => {
    const { request } = initial;
    const session = new RequestSession(deps, request.headers.get("cookie"), request.headers.get("user-agent"));
    onSession(request, session);
    const ctx: Context = Object.assign(initial, {
      config: deps.config,
      log: requestLogger(request, deps.log),
      session,
      user: null,
      clientAddress: clientAddress(request, initial, deps.config.trustProxy),
      throttle: deps.throttle,
      hashes: deps.hashes,
      users: deps.users,
      students: deps.students,
      points: deps.points,
      sessionStore: deps.store,
      factors: deps.factors,
      totpBox: deps.totpBox,
      events: deps.events,
      live: deps.live,
      passkeys: deps.passkeys,
      challengeCookie: deps.challengeCookie,
      mail: deps.mail,
    });
    if (session.cookieCount > 1) {
      // Never the values: one of them may be a victim's live session.
      ctx.log.warn(
        { event: "session_cookie_duplicate", count: session.cookieCount },
        "more than one session cookie: request treated as anonymous",
      );
    }
    if (!session.hasCookie) return ctx;
    return session.getUser().then(
      (user) => {
        ctx.user = user;
        return ctx;
      },
      (error: unknown) => {
        // Logged here, where the request id is known; Yoga masks it as "Unexpected error.".
        logUnexpected(error, ctx.log, ctx.request);
        throw error;
      },
    );
  };
}
