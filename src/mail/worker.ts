// The mail worker: expands reset requests into links and sends the outbox, off every request path.
import type { Outbox } from "../db/outbox.js";
import type { Logger } from "../log.js";
import type { MailTransport } from "./transport.js";

export interface WorkerDeps {
  outbox: Outbox;
  transport: MailTransport;
  log: Logger;
  /** Turns queued reset requests into messages (see the reset links). */
  expandResets(): Promise<number>;
  /** Tries per message before it is given up. */
  maxAttempts: number;
  /** Wait after the first failed try, seconds; doubled after each. */
  retrySeconds: number;
  /** How often to look for work queued by other instances, ms. Default 2000. */
  pollMs?: number;
}

export interface MailWorker {
  /** Looks for work now (called after this instance queues something). */
  wake(): void;
  /** Stops polling and waits for the pass under way. */
  stop(): Promise<void>;
}

/** Messages claimed per query. */
const BATCH = 10;
/** A claim outlives the SMTP timeouts, so a live worker's message is never taken over. */
const LEASE_MS = 120_000;

/** Starts the loop: a pass on every wake and every `pollMs`; each pass runs until nothing is due. */
export function startMailWorker(deps: WorkerDeps): MailWorker {
  const pollMs = deps.pollMs ?? 2000;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function sendDue(): Promise<number> {
    const claimed = await deps.outbox.claim(new Date(), LEASE_MS, BATCH);
    for (const mail of claimed) {
      try {
        await deps.transport.send(mail);
        await deps.outbox.sent(mail.id, mail.attempts, new Date());
        deps.log.info({ event: "mail_sent", mailId: String(mail.id), attempts: mail.attempts }, "mail sent");
      } catch (e) {
        const error = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
        const last = mail.attempts >= deps.maxAttempts;
        const retryAt = last ? null : new Date(Date.now() + deps.retrySeconds * 1000 * 2 ** (mail.attempts - 1));
        await deps.outbox.failed(mail.id, mail.attempts, error, retryAt);
        deps.log.warn(
          { event: last ? "mail_failed" : "mail_retry", mailId: String(mail.id), attempts: mail.attempts, error },
          last ? "mail given up" : "mail not sent; will retry",
        );
      }
    }
    return claimed.length;
  }

  async function pass(): Promise<void> {
    do {
      again = false;
      try {
        while (!stopped && (await deps.expandResets()) + (await sendDue()) > 0) {}
      } catch (e) {
        // A database outage: the rows stay queued and the next poll tries again.
        deps.log.warn({ event: "mail_worker_error", error: e instanceof Error ? e.message : String(e) }, "mail worker");
      }
    } while (again && !stopped);
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = null;
    });
  }

  const timer = setInterval(kick, pollMs);
  timer.unref();
  setImmediate(kick);
  return {
    wake: () => setImmediate(kick),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      deps.transport.close();
    },
  };
}
