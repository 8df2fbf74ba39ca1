// The Session table: the server-side half of every cookie, and its user in one read.
import { randomUUID } from "node:crypto";
import type { Prisma } from "../generated/prisma/client.js";
import { batchAcrossRequests } from "./batch.js";
import type { PrismaClient } from "./client.js";
import type { Sql } from "./sql.js";
import type { CurrentUser } from "./users.js";

/** One session row. */
export interface SessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
  /** Last full authentication (login or re-authentication). */
  authenticatedAt: Date;
  /** How, as RFC 8176 `amr` values (pwd, otp, hwk, mfa). */
  methods: string[];
}

/** A write built elsewhere in db/ and run inside a session transaction (a new password hash). */
export type PendingWrite = Prisma.PrismaPromise<unknown>;

/** A full authentication as a session row records it. */
export interface Authenticated {
  authenticatedAt: Date;
  methods: string[];
}

/** Longest user agent kept with a session. */
const USER_AGENT_LIMIT = 512;

/**
 * Expired rows a login deletes at most. A backlog (after an outage, or a purge turned on late)
 * then drains over the following logins instead of landing on one of them.
 */
export const PURGE_BATCH = 1000;

/** The lifetimes a row is judged by, in seconds. */
export interface SessionLimits {
  absoluteTimeout: number;
  idleTimeout: number;
}

/** Prisma filter for rows still within both lifetimes at `now` (seconds since the epoch). */
function live(limits: SessionLimits, now: number) {
  return {
    createdAt: { gt: new Date((now - limits.absoluteTimeout) * 1000) },
    lastSeenAt: { gt: new Date((now - limits.idleTimeout) * 1000) },
  };
}

/** The session row and its user as the join reads them: times in milliseconds since the epoch. */
interface JoinedRow extends Omit<CurrentUser, "id"> {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  authenticatedAt: number;
  methods: string;
  secondFactor: boolean;
}

// Prisma stores DateTime as `timestamp(3)` in UTC; epoch milliseconds read the same on both drivers.
const LOAD = `SELECT s."id"::text AS "id", s."userId"::text AS "userId",
  (extract(epoch FROM s."createdAt") * 1000)::float8 AS "createdAt",
  (extract(epoch FROM s."lastSeenAt") * 1000)::float8 AS "lastSeenAt",
  s."userAgent", (extract(epoch FROM s."authenticatedAt") * 1000)::float8 AS "authenticatedAt",
  array_to_string(s."methods", ' ') AS "methods",
  (EXISTS (SELECT 1 FROM "TotpFactor" f WHERE f."userId" = s."userId" AND f."confirmedAt" IS NOT NULL)
    OR EXISTS (SELECT 1 FROM "Passkey" k WHERE k."userId" = s."userId")) AS "secondFactor",
  u."username", u."displayName", u."role"::text AS "role", u."house"::text AS "house"
FROM "Session" s JOIN "User" u ON u."id" = s."userId"
WHERE s."id" = ANY($1::text[]::uuid[])`;

const ROW = {
  id: true,
  userId: true,
  createdAt: true,
  lastSeenAt: true,
  userAgent: true,
  authenticatedAt: true,
  methods: true,
} as const;

/** Named queries on sessions, bound to one database; `limits` decide which rows are live. */
export function createSessionStore(prisma: PrismaClient, sql: Sql, limits: SessionLimits) {
  // Runs on every signed-in request: plain SQL, shared by the requests of one event-loop turn.
  const loadRows = batchAcrossRequests(async (ids: string[]) => {
    const rows = await sql.rows<JoinedRow>(LOAD, [[...new Set(ids)]]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()));
  });
  return {
    /**
     * Starts a session row with a fresh random id (a new identity on every login), and
     * deletes up to PURGE_BATCH rows already past their idle limit, whoever they belonged
     * to, so that abandoned sessions do not pile up (an indexed range scan). Concurrent
     * logins skip each other's locked rows rather than wait on them.
     */
    async create(userId: string, userAgent: string | null, now: number, methods: string[]): Promise<SessionRow> {
      const at = new Date(now * 1000);
      const idleBefore = new Date((now - limits.idleTimeout) * 1000);
      const [, record] = await prisma.$transaction([
        prisma.$executeRaw`DELETE FROM "Session" WHERE "id" IN (
          SELECT "id" FROM "Session" WHERE "lastSeenAt" <= ${idleBefore}
          LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`,
        prisma.session.create({
          select: ROW,
          data: {
            id: randomUUID(),
            userId,
            userAgent: userAgent?.slice(0, USER_AGENT_LIMIT) ?? null,
            createdAt: at,
            lastSeenAt: at,
            authenticatedAt: at,
            methods,
          },
        }),
      ]);
      return record;
    },

    /** The session and its user in one indexed query, or null when the row is gone. */
    async load(id: string): Promise<(SessionRow & { user: CurrentUser; secondFactor: boolean }) | null> {
      const row = await loadRows(id);
      if (!row) return null;
      return {
        id: row.id,
        userId: row.userId,
        createdAt: new Date(row.createdAt),
        lastSeenAt: new Date(row.lastSeenAt),
        userAgent: row.userAgent,
        authenticatedAt: new Date(row.authenticatedAt),
        methods: row.methods ? row.methods.split(" ") : [],
        secondFactor: row.secondFactor,
        user: {
          id: row.userId,
          username: row.username,
          displayName: row.displayName,
          role: row.role,
          house: row.house,
        },
      };
    },

    /** Records use of a session (idle-timeout renewal). */
    async touch(id: string, at: Date): Promise<void> {
      await prisma.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
    },

    /**
     * Ends one session of one user; false when there was none (or it is another's). With
     * `now`, a row already past its limits counts as none.
     */
    async end(id: string, userId: string, now?: number): Promise<boolean> {
      const { count } = await prisma.session.deleteMany({
        where: { id, userId, ...(now === undefined ? {} : live(limits, now)) },
      });
      return count > 0;
    },

    /** Ends every session of a user but `keep`, if given. Returns how many ended. */
    async endAll(userId: string, keep?: string): Promise<number> {
      const { count } = await prisma.session.deleteMany({
        where: { userId, ...(keep ? { id: { not: keep } } : {}) },
      });
      return count;
    },

    /** Ends every session of every user (an administrator's reset). Returns how many ended. */
    async endEveryone(): Promise<number> {
      const { count } = await prisma.session.deleteMany({});
      return count;
    },

    /**
     * Gives the session `id` a new id (same user, creation time and user agent) and ends
     * every other session of its user, in one transaction with `alsoRun` (a password
     * change). A cookie naming the old id stops working. Null when the session is gone.
     * `authenticated` records a re-authentication on the new row.
     */
    async rotate(
      id: string,
      userId: string,
      alsoRun: PendingWrite,
      authenticated?: Authenticated,
    ): Promise<SessionRow | null> {
      const current = await prisma.session.findFirst({ where: { id, userId }, select: ROW });
      if (!current) return null;
      const [, , record] = await prisma.$transaction([
        alsoRun,
        prisma.session.deleteMany({ where: { userId } }),
        prisma.session.create({ data: { ...current, ...authenticated, id: randomUUID() }, select: ROW }),
      ]);
      return record;
    },

    /**
     * Records a re-authentication: the session moves to a new id (the old cookie stops
     * working) keeping its creation time and user agent, so it stays one entry for the
     * user; other sessions are untouched. Null when the session is gone.
     */
    async reauthenticate(id: string, userId: string, authenticated: Authenticated): Promise<SessionRow | null> {
      // One transaction that creates the new row only if the old one was still there, so a
      // session revoked meanwhile is not brought back.
      return prisma.$transaction(async (tx) => {
        const current = await tx.session.findFirst({ where: { id, userId }, select: ROW });
        if (!current) return null;
        const { count } = await tx.session.deleteMany({ where: { id, userId } });
        if (count !== 1) return null;
        return tx.session.create({ data: { ...current, ...authenticated, id: randomUUID() }, select: ROW });
      });
    },

    /** A user's sessions still within their limits, most recently used first. */
    list(userId: string, now: number): Promise<SessionRow[]> {
      return prisma.session.findMany({
        where: { userId, ...live(limits, now) },
        orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
        select: ROW,
      });
    },

    /** One live session of `userId`, or null: another user's id looks like a missing one. */
    find(id: string, userId: string, now: number): Promise<SessionRow | null> {
      return prisma.session.findFirst({ where: { id, userId, ...live(limits, now) }, select: ROW });
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
