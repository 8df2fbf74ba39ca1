// Second-factor rows: the TOTP authenticator, recovery-code hashes and pending sign-ins.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "./client.js";

export interface TotpRow {
  /** Sealed (src/auth/secret-box.ts); opened only to check a code. */
  secret: string;
  confirmed: boolean;
}

/** Whether `e` is Prisma's unique-constraint violation. */
function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

const at = (seconds: number) => new Date(seconds * 1000);

export function createSecondFactorStore(prisma: PrismaClient) {
  return {
    /** The user's authenticator (confirmed or awaiting its first code), or null. */
    async totp(userId: string): Promise<TotpRow | null> {
      const row = await prisma.totpFactor.findUnique({
        where: { userId },
        select: { secret: true, confirmedAt: true },
      });
      return row && { secret: row.secret, confirmed: row.confirmedAt !== null };
    },

    /** Whether the user has a confirmed second factor. */
    async enrolled(userId: string): Promise<boolean> {
      return (await prisma.totpFactor.count({ where: { userId, confirmedAt: { not: null } } })) > 0;
    },

    /**
     * Starts (or restarts) an enrollment with `sealedSecret`. False, changing nothing, when
     * the user already has a confirmed authenticator.
     */
    async startTotp(userId: string, sealedSecret: string): Promise<boolean> {
      try {
        await prisma.$transaction([
          prisma.totpFactor.deleteMany({ where: { userId, confirmedAt: null } }),
          prisma.totpFactor.create({ data: { userId, secret: sealedSecret } }),
        ]);
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false; // a confirmed row holds the key
        throw e;
      }
    },

    /**
     * Confirms the started enrollment with the code of `step` (which counts as used) and
     * stores the recovery-code hashes, replacing any. False, changing nothing, when there is
     * no enrollment awaiting confirmation.
     */
    async confirmTotp(userId: string, step: number, codeHashes: string[], now: number): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.totpFactor.updateMany({
          where: { userId, confirmedAt: null },
          data: { confirmedAt: at(now), lastUsedStep: step },
        });
        if (count !== 1) return false;
        await tx.recoveryCode.deleteMany({ where: { userId } });
        await tx.recoveryCode.createMany({ data: codeHashes.map((codeHash) => ({ userId, codeHash })) });
        return true;
      });
    },

    /**
     * Marks `step` used if it is later than every step used before: one atomic update, so
     * that two requests with the same code cannot both succeed. False means a replay.
     */
    async useTotpStep(userId: string, step: number): Promise<boolean> {
      const { count } = await prisma.totpFactor.updateMany({
        where: {
          userId,
          confirmedAt: { not: null },
          OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }],
        },
        data: { lastUsedStep: step },
      });
      return count === 1;
    },

    /** Removes the authenticator and the recovery codes. False when none was confirmed. */
    async disableTotp(userId: string): Promise<boolean> {
      const [removed] = await prisma.$transaction([
        prisma.totpFactor.deleteMany({ where: { userId, confirmedAt: { not: null } } }),
        prisma.recoveryCode.deleteMany({ where: { userId } }),
      ]);
      return removed.count > 0;
    },

    /** Replaces the whole set of recovery codes. */
    async replaceRecoveryCodes(userId: string, codeHashes: string[]): Promise<void> {
      await prisma.$transaction([
        prisma.recoveryCode.deleteMany({ where: { userId } }),
        prisma.recoveryCode.createMany({ data: codeHashes.map((codeHash) => ({ userId, codeHash })) }),
      ]);
    },

    /** Spends a recovery code: true once for each code, false ever after. */
    async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
      const { count } = await prisma.recoveryCode.deleteMany({ where: { userId, codeHash } });
      return count === 1;
    },

    recoveryCodesLeft(userId: string): Promise<number> {
      return prisma.recoveryCode.count({ where: { userId } });
    },

    /** Records a sign-in awaiting its second factor; sweeps expired ones. Returns its id. */
    async createPending(userId: string, now: number, ttl: number): Promise<string> {
      const id = randomUUID();
      await prisma.$transaction([
        prisma.pendingSignIn.deleteMany({ where: { expiresAt: { lte: at(now) } } }),
        prisma.pendingSignIn.create({ data: { id, userId, createdAt: at(now), expiresAt: at(now + ttl) } }),
      ]);
      return id;
    },

    /** Whether the pending sign-in still waits (not used, not expired). */
    async pendingAlive(id: string, userId: string, now: number): Promise<boolean> {
      return (await prisma.pendingSignIn.count({ where: { id, userId, expiresAt: { gt: at(now) } } })) > 0;
    },

    /** Uses up a pending sign-in: true for exactly one caller, across every instance. */
    async consumePending(id: string, userId: string, now: number): Promise<boolean> {
      const { count } = await prisma.pendingSignIn.deleteMany({ where: { id, userId, expiresAt: { gt: at(now) } } });
      return count === 1;
    },
  };
}

export type SecondFactorStore = ReturnType<typeof createSecondFactorStore>;
