// Reads and validates the environment once into the typed Config; each area's variables live in their own file.
import { type DatabaseConfig, databaseConfig } from "./database.js";
import { type HashingConfig, hashingConfig } from "./hashing.js";
import { type HttpConfig, httpConfig } from "./http.js";
import { type LimitsConfig, limitsConfig } from "./limits.js";
import { type LiveConfig, liveConfig } from "./live.js";
import { type MailConfig, mailConfig } from "./mail.js";
import type { Env } from "./parse.js";
import { type ProcessConfig, processConfig, readNodeEnv } from "./process.js";
import { type RedisConfig, redisConfig } from "./redis.js";
import { type SessionConfig, sessionConfig } from "./session.js";
import { type ThrottleConfig, throttleConfig } from "./throttle.js";
import { type WebauthnConfig, webauthnConfig } from "./webauthn.js";

export { ConfigError } from "./error.js";
export type { NodeEnv } from "./process.js";
export type { SameSite } from "./session.js";

/** Every setting, read once at start; each part documents its variables and defaults. */
export interface Config
  extends ProcessConfig,
    DatabaseConfig,
    SessionConfig,
    HttpConfig,
    LimitsConfig,
    RedisConfig,
    ThrottleConfig,
    HashingConfig,
    LiveConfig,
    WebauthnConfig,
    MailConfig {}

/** Reads the environment. Throws ConfigError naming the variable at the first mistake. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = readNodeEnv(env);
  const production = nodeEnv === "production";
  const session = sessionConfig(env, production);
  const database = databaseConfig(env, production);
  const http = httpConfig(env, production);
  // The production requirements are checked in this order: APP_URL, SMTP_URL, then WebAuthn.
  const mail = mailConfig(env, production, http.port);
  return {
    ...processConfig(env, nodeEnv),
    ...session,
    ...database,
    ...http,
    ...mail,
    ...redisConfig(env),
    ...throttleConfig(env),
    ...hashingConfig(env),
    ...liveConfig(env),
    ...webauthnConfig(env, production, http.port),
    ...limitsConfig(env),
  };
}
