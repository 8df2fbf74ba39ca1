// Passkey rows (WebAuthn credentials) and the challenges awaiting an answer.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "./client.js";

export interface PasskeyRow {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ChallengeRow {
  purpose: "register" | "assert";
  challenge: string;
  userId: string | null;
}

/** A passkey to store: the row's own fields, and the time it is added. */
export type NewPasskey = Pick<
  PasskeyRow,
  "userId" | "credentialId" | "publicKey" | "counter" | "transports" | "name"
> & {
  now: Date;
};

const toRow = (r: Omit<PasskeyRow, "counter"> & { counter: bigint }): PasskeyRow => ({
  ...r,
  counter: Number(r.counter),
});

export function createPasskeyStore(prisma: PrismaClient) {
  return {
    /** The user's passkeys, oldest first. */
    async list(userId: string): Promise<PasskeyRow[]> {
      const rows = await prisma.passkey.findMany({ where: { userId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map(toRow);
    },

    /** The passkey with this credential id, or null. */
    async byCredentialId(credentialId: string): Promise<PasskeyRow | null> {
      const row = await prisma.passkey.findUnique({ where: { credentialId } });
      return row && toRow(row);
    },

    /** Stores a verified credential. Null when that credential id is already registered. */
    async add(p: NewPasskey): Promise<PasskeyRow | null> {
      try {
        const { now, counter, ...rest } = p;
        return toRow(
          await prisma.passkey.create({
            data: {
              id: randomUUID(),
              ...rest,
              publicKey: new Uint8Array(rest.publicKey),
              counter: BigInt(counter),
              createdAt: now,
            },
          }),
        );
      } catch (e) {
        if ((e as { code?: unknown }).code === "P2002") return null;
        throw e;
      }
    },

    /**
     * Records a use: the new counter and the time. Conditional on the counter read before the
     * check, so that two requests racing with one assertion cannot both pass.
     */
    async used(id: string, oldCounter: number, newCounter: number, now: Date): Promise<boolean> {
      const { count } = await prisma.passkey.updateMany({
        where: { id, counter: BigInt(oldCounter) },
        data: { counter: BigInt(newCounter), lastUsedAt: now },
      });
      return count === 1;
    },

    /** Removes one of the user's passkeys; false when it is not theirs or already gone. */
    async remove(id: string, userId: string): Promise<boolean> {
      const { count } = await prisma.passkey.deleteMany({ where: { id, userId } });
      return count === 1;
    },

    /** Whether the user has at least one passkey. */
    async any(userId: string): Promise<boolean> {
      return (await prisma.passkey.count({ where: { userId } })) > 0;
    },

    /** Stores a challenge under `id` until `expiresAt`; sweeps expired ones. */
    async putChallenge(id: string, row: ChallengeRow, expiresAt: Date, now: Date): Promise<void> {
      await prisma.$transaction([
        prisma.webAuthnChallenge.deleteMany({ where: { OR: [{ expiresAt: { lte: now } }, { id }] } }),
        prisma.webAuthnChallenge.create({ data: { id, ...row, expiresAt } }),
      ]);
    },

    /**
     * Takes the challenge stored under `id` (it is deleted: single use, whatever follows).
     * Null when there is none or it has expired.
     */
    async takeChallenge(id: string, now: Date): Promise<ChallengeRow | null> {
      const rows = await prisma.webAuthnChallenge.findMany({ where: { id }, take: 1 });
      const row = rows[0];
      if (!row) return null;
      const { count } = await prisma.webAuthnChallenge.deleteMany({ where: { id } });
      if (count !== 1 || row.expiresAt <= now) return null; // another request took it, or too late
      return { purpose: row.purpose as ChallengeRow["purpose"], challenge: row.challenge, userId: row.userId };
    },
  };
}

export type PasskeyStore = ReturnType<typeof createPasskeyStore>;
