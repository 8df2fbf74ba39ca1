// Session records in the database: the server-side half of every cookie.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../db/client.js";
import type { House, Role } from "../generated/prisma/enums.js";

/** The signed-in user as the API needs it: never the password hash. */
export interface CurrentUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  house: House | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
}

export const currentUserSelect = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  house: true,
} as const;

/** Longest user agent kept with a session. */
const USER_AGENT_LIMIT = 512;

export function createSessionStore(prisma: PrismaClient) {
  return {
    /** Starts a session row with a fresh random id (a new identity on every login). */
    async create(userId: string, userAgent: string | null): Promise<SessionRecord> {
      return prisma.session.create({
        data: { id: randomUUID(), userId, userAgent: userAgent?.slice(0, USER_AGENT_LIMIT) ?? null },
      });
    },

    /** The session and its user in one indexed query, or null when the row is gone. */
    async load(id: string): Promise<(SessionRecord & { user: CurrentUser }) | null> {
      return prisma.session.findUnique({
        where: { id },
        select: {
          id: true,
          userId: true,
          createdAt: true,
          lastSeenAt: true,
          userAgent: true,
          user: { select: currentUserSelect },
        },
      });
    },

    /** Records use of a session (idle-timeout renewal). */
    async touch(id: string, at: Date): Promise<void> {
      await prisma.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
    },

    /** Ends one session of one user; false when there was none (or it is another's). */
    async end(id: string, userId: string): Promise<boolean> {
      const { count } = await prisma.session.deleteMany({ where: { id, userId } });
      return count > 0;
    },

    /** Ends every session of a user but `keep`, if given. Returns how many ended. */
    async endAll(userId: string, keep?: string): Promise<number> {
      const { count } = await prisma.session.deleteMany({
        where: { userId, ...(keep ? { id: { not: keep } } : {}) },
      });
      return count;
    },

    /** A user's sessions, most recently used first. */
    list(userId: string): Promise<SessionRecord[]> {
      return prisma.session.findMany({ where: { userId }, orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }] });
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** Session ids in cookies and global ids are UUIDs; anything else is not looked up. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
