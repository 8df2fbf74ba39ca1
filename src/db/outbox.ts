// The MailMessage table: messages queued by requests and claimed by the mail workers.
import type { PrismaClient } from "./client.js";

/** A message as queued; `to` is a checked address. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A message claimed by one worker until `lockedUntil`. */
export interface ClaimedMail extends OutgoingMail {
  id: bigint;
  /** Tries so far, this one included. */
  attempts: number;
}

/** Longest error text kept with a message. */
const ERROR_LIMIT = 300;

export function createOutbox(prisma: PrismaClient) {
  return {
    /** Queues one message; the worker sends it. */
    async enqueue(mail: OutgoingMail): Promise<void> {
      await prisma.mailMessage.create({ data: mail });
    },

    /**
     * Claims up to `limit` messages due at `now` (waiting ones, and ones whose claim lapsed
     * because their worker died) until `now + leaseMs`. Each claim is one conditional
     * update on the row's status and try count, so two workers never both win a row.
     */
    async claim(now: Date, leaseMs: number, limit: number): Promise<ClaimedMail[]> {
      const due = await prisma.mailMessage.findMany({
        where: {
          OR: [
            { status: "PENDING", nextAttemptAt: { lte: now } },
            { status: "SENDING", lockedUntil: { lte: now } },
          ],
        },
        orderBy: { id: "asc" },
        take: limit,
        select: { id: true, to: true, subject: true, text: true, html: true, status: true, attempts: true },
      });
      const claimed: ClaimedMail[] = [];
      for (const row of due) {
        const { count } = await prisma.mailMessage.updateMany({
          where: { id: row.id, status: row.status, attempts: row.attempts },
          data: { status: "SENDING", attempts: row.attempts + 1, lockedUntil: new Date(now.getTime() + leaseMs) },
        });
        if (count === 1) {
          const { status: _, ...mail } = row;
          claimed.push({ ...mail, attempts: row.attempts + 1 });
        }
      }
      return claimed;
    },

    /** Marks a claimed message sent and drops its bodies (a link's token must not stay at rest). */
    async sent(id: bigint, attempts: number, at: Date): Promise<void> {
      await prisma.mailMessage.updateMany({
        where: { id, status: "SENDING", attempts },
        data: { status: "SENT", sentAt: at, lockedUntil: null, text: "", html: "", lastError: null },
      });
    },

    /** Puts a claimed message back for a retry at `retryAt`, or gives it up (bodies dropped) when null. */
    async failed(id: bigint, attempts: number, error: string, retryAt: Date | null): Promise<void> {
      const lastError = error.slice(0, ERROR_LIMIT);
      await prisma.mailMessage.updateMany({
        where: { id, status: "SENDING", attempts },
        data: retryAt
          ? { status: "PENDING", nextAttemptAt: retryAt, lockedUntil: null, lastError }
          : { status: "FAILED", lockedUntil: null, lastError, text: "", html: "" },
      });
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
