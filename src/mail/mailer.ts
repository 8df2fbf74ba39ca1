// The application's mail: the outbox, the link tokens, and the worker that sends them.
import type { Config } from "../config/index.js";
import type { EmailTokens } from "../db/email-tokens.js";
import type { Outbox } from "../db/outbox.js";
import type { Logger } from "../log.js";
import { type MailContent, resetMessage } from "./templates.js";
import { newToken } from "./tokens.js";
import type { MailTransport } from "./transport.js";
import { startMailWorker } from "./worker.js";

/** How long a reset link works, seconds. */
export const RESET_TTL = 30 * 60;
/** How long an address-proof link works, seconds. */
export const VERIFY_TTL = 24 * 60 * 60;

export interface Mailer {
  tokens: EmailTokens;
  /** `APP_URL/account#NAME=TOKEN`: a fragment, so the token never reaches a server log. */
  link(name: "reset" | "verify", token: string): string;
  /** Queues a message and wakes the worker. */
  queue(mail: MailContent): Promise<void>;
  /** Queues a password reset for the address key: one insert, known address or not. */
  requestReset(key: string): Promise<void>;
  stop(): Promise<void>;
}

export interface MailerDeps {
  config: Config;
  outbox: Outbox;
  tokens: EmailTokens;
  transport: MailTransport;
  log: Logger;
  /** The application clock, seconds (token lifetimes follow it). */
  now(): number;
  /** How often the worker looks for work queued elsewhere, ms. */
  pollMs?: number;
}

/** Builds the mailer and starts its worker. */
export function createMailer(deps: MailerDeps): Mailer {
  const { config, outbox, tokens } = deps;
  const link = (name: "reset" | "verify", token: string) => `${config.mail.appUrl}/account#${name}=${token}`;
  const worker = startMailWorker({
    outbox,
    transport: deps.transport,
    log: deps.log,
    maxAttempts: config.mail.maxAttempts,
    retrySeconds: config.mail.retrySeconds,
    pollMs: deps.pollMs,
    expandResets: () =>
      tokens.expandResetRequests(10, deps.now(), RESET_TTL, (user) => {
        const { token, hash } = newToken();
        return { hash, mail: resetMessage(user.email, user.displayName, link("reset", token), RESET_TTL / 60) };
      }),
  });
  return {
    tokens,
    link,
    async queue(mail) {
      await outbox.enqueue(mail);
      worker.wake();
    },
    // Not woken: the worker's next poll picks it up, so the request that queued it is not
    // followed at once by work that only a known address causes.
    requestReset: (key) => tokens.requestReset(key),
    stop: () => worker.stop(),
  };
}
