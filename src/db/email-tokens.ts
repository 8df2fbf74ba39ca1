// Emailed-link tokens (password reset, address proof) and the queue of reset requests.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "./client.js";
import type { OutgoingMail } from "./outbox.js";

export type TokenPurpose = "RESET" | "VERIFY";

/** A live token's row. */
export interface TokenRow {
  id: string;
  userId: string;
  email: string | null;
}

/** The account a reset mail goes to. */
export interface ResetTarget {
  id: string;
  displayName: string;
  email: string;
}

const at = (seconds: number) => new Date(seconds * 1000);

export function createEmailTokens(prisma: PrismaClient) {
  return {
    /** Queues a reset request for the address key: the same single insert whether or not it is known. */
    async requestReset(emailKey: string): Promise<void> {
      await prisma.resetRequest.create({ data: { emailKey } });
    },

    /**
     * Takes up to `limit` queued reset requests, each in its own transaction with what it
     * leads to: for a known, verified address, a new token (voiding the user's older ones)
     * and the message `compose` builds, queued in the outbox. A request that another worker
     * took first is skipped. Returns how many requests were taken.
     */
    async expandResetRequests(
      limit: number,
      now: number,
      ttl: number,
      compose: (user: ResetTarget) => { hash: string; mail: OutgoingMail },
    ): Promise<number> {
      const queued = await prisma.resetRequest.findMany({ orderBy: { id: "asc" }, take: limit });
      let taken = 0;
      for (const request of queued) {
        await prisma.$transaction(async (tx) => {
          const { count } = await tx.resetRequest.deleteMany({ where: { id: request.id } });
          if (count === 0) return;
          taken++;
          const user = await tx.user.findUnique({
            where: { emailKey: request.emailKey },
            select: { id: true, displayName: true, email: true, emailVerifiedAt: true },
          });
          if (!user?.email || !user.emailVerifiedAt) return;
          const { hash, mail } = compose({ id: user.id, displayName: user.displayName, email: user.email });
          await tx.emailToken.deleteMany({ where: { userId: user.id, purpose: "RESET" } });
          await tx.emailToken.create({
            data: {
              id: randomUUID(),
              userId: user.id,
              purpose: "RESET",
              tokenHash: hash,
              createdAt: at(now),
              expiresAt: at(now + ttl),
            },
          });
          await tx.mailMessage.create({ data: mail });
        });
      }
      return taken;
    },

    /** Stores a token for `userId`, voiding the user's older ones of the same purpose. */
    async create(userId: string, purpose: TokenPurpose, hash: string, now: number, ttl: number, email: string | null) {
      await prisma.$transaction([
        prisma.emailToken.deleteMany({ where: { userId, purpose } }),
        prisma.emailToken.create({
          data: {
            id: randomUUID(),
            userId,
            purpose,
            tokenHash: hash,
            email,
            createdAt: at(now),
            expiresAt: at(now + ttl),
          },
        }),
      ]);
    },

    /** The unexpired token with `hash` and `purpose`, or null. */
    find(hash: string, purpose: TokenPurpose, now: number): Promise<TokenRow | null> {
      return prisma.emailToken.findFirst({
        where: { tokenHash: hash, purpose, expiresAt: { gt: at(now) } },
        select: { id: true, userId: true, email: true },
      });
    },

    /**
     * Spends reset token `tokenId` of `userId`: sets the new hash, voids the user's other
     * reset tokens, ends every session and pending sign-in, all at once. False, changing
     * nothing, when the token was spent meanwhile.
     */
    async spendReset(tokenId: string, userId: string, passwordHash: string): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.emailToken.deleteMany({ where: { id: tokenId, userId, purpose: "RESET" } });
        if (count === 0) return false;
        await tx.user.update({ where: { id: userId }, data: { passwordHash } });
        await tx.emailToken.deleteMany({ where: { userId, purpose: "RESET" } });
        await tx.session.deleteMany({ where: { userId } });
        await tx.pendingSignIn.deleteMany({ where: { userId } });
        return true;
      });
    },

    /**
     * Spends address token `tokenId`: the user's address becomes `email` (verified at `now`).
     * "spent" when the token was spent meanwhile, "taken" when another account holds the
     * address (nothing changes then).
     */
    async spendVerify(
      tokenId: string,
      userId: string,
      email: string,
      key: string,
      now: number,
    ): Promise<"ok" | "spent" | "taken"> {
      try {
        return await prisma.$transaction(async (tx) => {
          const { count } = await tx.emailToken.deleteMany({ where: { id: tokenId, userId, purpose: "VERIFY" } });
          if (count === 0) return "spent" as const;
          await tx.user.update({ where: { id: userId }, data: { email, emailKey: key, emailVerifiedAt: at(now) } });
          return "ok" as const;
        });
      } catch (e) {
        if (typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002") return "taken";
        throw e;
      }
    },
  };
}

export type EmailTokens = ReturnType<typeof createEmailTokens>;
