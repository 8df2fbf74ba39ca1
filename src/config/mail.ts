// Mail: the SMTP server, the sender, where emailed links point, and retries.
import { ConfigError } from "./error.js";
import { type Env, int, parseUrl } from "./parse.js";

export interface MailConfig {
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
  const url = parseUrl(raw, "APP_URL is not a valid URL; expected https://hogwarts.example");
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
  const url = parseUrl(raw, "SMTP_URL is not a valid URL; expected smtp://user:pass@host:587 or smtps://…:465");
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

/** `APP_URL`, `SMTP_URL`, `MAIL_FROM`, `MAIL_MAX_ATTEMPTS`, `MAIL_RETRY_SECONDS`; `port` makes the local default APP_URL. */
export function mailConfig(env: Env, production: boolean, port: number): MailConfig {
  const app = appUrl(env, production, port);
  return {
    mail: {
      smtpUrl: smtpUrl(env, production),
      from: mailFrom(env, app),
      appUrl: app,
      maxAttempts: int(env, "MAIL_MAX_ATTEMPTS", 8, 1, 100),
      retrySeconds: int(env, "MAIL_RETRY_SECONDS", 30, 1, 24 * 60 * 60),
    },
  };
}
