// Sessions: the cookie's name and attributes, the lifetimes, and the raw secret.
import { ConfigError } from "./error.js";
import { bool, type Env, int } from "./parse.js";

export type SameSite = "lax" | "strict" | "none";

export interface SessionConfig {
  /** Raw `SESSION_SECRET`; parsed and checked by the session secrets module. */
  sessionSecret: string | null;
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
}

const DAY = 24 * 60 * 60;

/** The `SESSION_COOKIE_*` variables, refusing attributes browsers would drop the cookie for. */
function cookie(env: Env, production: boolean): SessionConfig["cookie"] {
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
  const name = env.SESSION_COOKIE_NAME?.trim() || (production && secure ? "__Host-session" : "session");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new ConfigError("SESSION_COOKIE_NAME may hold only letters, digits, '_', '.' and '-'");
  }
  // Browsers match the prefixes case-insensitively and drop such a cookie unless it is Secure.
  if (/^__(host|secure)-/i.test(name) && !secure) {
    throw new ConfigError(
      `SESSION_COOKIE_NAME=${name} needs SESSION_COOKIE_SECURE=true (browsers drop a __Host- or __Secure- cookie without Secure)`,
    );
  }
  return { name, secure, sameSite, partitioned };
}

/** The lifetimes, in seconds. */
function lifetimes(env: Env): SessionConfig["session"] {
  const session = {
    absoluteTimeout: int(env, "SESSION_ABSOLUTE_TIMEOUT", 7 * DAY, 60, 366 * DAY),
    idleTimeout: int(env, "SESSION_IDLE_TIMEOUT", DAY, 60, 366 * DAY),
    renewInterval: int(env, "SESSION_RENEW_INTERVAL", 5 * 60, 0, DAY),
    reauthMaxAge: int(env, "REAUTH_MAX_AGE", 600, 30, DAY),
  };
  // Use is recorded at most every renew interval, so a longer one would end sessions in use.
  if (session.renewInterval >= session.idleTimeout) {
    throw new ConfigError("SESSION_RENEW_INTERVAL must be shorter than SESSION_IDLE_TIMEOUT");
  }
  return session;
}

/** `SESSION_SECRET` (raw), the cookie and the lifetimes. */
export function sessionConfig(env: Env, production: boolean): SessionConfig {
  return {
    sessionSecret: env.SESSION_SECRET?.trim() || null,
    cookie: cookie(env, production),
    session: lifetimes(env),
  };
}
