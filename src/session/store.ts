// Session records in the database: the server-side half of every cookie.
import { randomUUID } from "node:crypto";
import { perTurn } from "../db/batch.js";
import type { PrismaClient } from "../db/client.js";
import type { Sql } from "../db/sql.js";
import type { Prisma } from "../generated/prisma/client.js";
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
  /** Last full authentication (login or re-authentication). */
  authenticatedAt: Date;
  /** How, as RFC 8176 `amr` values (pwd, otp, hwk, mfa). */
  methods: string[];
}

export const currentUserSelect = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  house: true,
} as const;

/** A full authentication as a session row records it. */
export interface Authenticated {
  authenticatedAt: Date;
  methods: string[];
}

/** Longest user agent kept with a session. */
const USER_AGENT_LIMIT = 512;

/** The lifetimes a row is judged by (see `Config["session"]`), in seconds. */
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

/** The session row and its user, as `load` reads them: times in milliseconds since the epoch. */
interface LoadedRow {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  authenticatedAt: number;
  methods: string;
  secondFactor: boolean;
  username: string;
  displayName: string;
  role: Role;
  house: House | null;
}

// Prisma stores DateTime as `timestamp(3)` in UTC; epoch milliseconds read the same on both drivers.
const LOAD = `SELECT s."id"::text AS "id", s."userId"::text AS "userId",
  (extract(epoch FROM s."createdAt") * 1000)::float8 AS "createdAt",
  (extract(epoch FROM s."lastSeenAt") * 1000)::float8 AS "lastSeenAt",
  s."userAgent", (extract(epoch FROM s."authenticatedAt") * 1000)::float8 AS "authenticatedAt",
  array_to_string(s."methods", ' ') AS "methods",
  EXISTS (SELECT 1 FROM "TotpFactor" f WHERE f."userId" = s."userId" AND f."confirmedAt" IS NOT NULL) AS "secondFactor",
  u."username", u."displayName", u."role"::text AS "role", u."house"::text AS "house"
FROM "Session" s JOIN "User" u ON u."id" = s."userId"
WHERE s."id" = ANY($1::text[]::uuid[])`;

export function createSessionStore(prisma: PrismaClient, sql: Sql, limits: SessionLimits) {
  // The session checks of one event-loop turn share a statement (src/db/batch.ts).
  const loadRows = perTurn(async (ids: string[]) => {
    const rows = await sql.rows<LoadedRow>(LOAD, [[...new Set(ids)]]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()));
  });
  return {
    /**
     * Starts a session row with a fresh random id (a new identity on every login), and
     * deletes every row already past its idle limit, whoever it belonged to, so that
     * abandoned sessions do not pile up (an indexed range delete).
     */
    async create(userId: string, userAgent: string | null, now: number, methods: string[]): Promise<SessionRecord> {
      const at = new Date(now * 1000);
      const [, record] = await prisma.$transaction([
        prisma.session.deleteMany({ where: { lastSeenAt: { lte: new Date((now - limits.idleTimeout) * 1000) } } }),
        prisma.session.create({
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

    /**
     * The session and its user in one indexed query, or null when the row is gone. Runs on
     * every signed-in request, so it is plain SQL on the driver (src/db/sql.ts).
     */
    async load(id: string): Promise<(SessionRecord & { user: CurrentUser; secondFactor: boolean }) | null> {
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

    /**
     * Gives the session `id` a new id (same user, creation time and user agent) and ends
     * every other session of its user, in one transaction with `alsoRun` (a password
     * change). A cookie naming the old id stops working. Null when the session is gone.
     * `authenticated` records a re-authentication on the new row.
     */
    async rotate(
      id: string,
      userId: string,
      alsoRun: Prisma.PrismaPromise<unknown>,
      authenticated?: Authenticated,
    ): Promise<SessionRecord | null> {
      const current = await prisma.session.findFirst({ where: { id, userId } });
      if (!current) return null;
      const [, , record] = await prisma.$transaction([
        alsoRun,
        prisma.session.deleteMany({ where: { userId } }),
        prisma.session.create({ data: { ...current, ...authenticated, id: randomUUID() } }),
      ]);
      return record;
    },

    /**
     * Records a re-authentication: the session moves to a new id (the old cookie stops
     * working) keeping its creation time and user agent, so it stays one entry for the
     * user; other sessions are untouched. Null when the session is gone.
     */
    async reauthenticate(id: string, userId: string, authenticated: Authenticated): Promise<SessionRecord | null> {
      // One transaction that creates the new row only if the old one was still there, so a
      // session revoked meanwhile is not brought back.
      return prisma.$transaction(async (tx) => {
        const current = await tx.session.findFirst({ where: { id, userId } });
        if (!current) return null;
        const { count } = await tx.session.deleteMany({ where: { id, userId } });
        if (count !== 1) return null;
        return tx.session.create({ data: { ...current, ...authenticated, id: randomUUID() } });
      });
    },

    /** A user's sessions still within their limits, most recently used first. */
    list(userId: string, now: number): Promise<SessionRecord[]> {
      return prisma.session.findMany({
        where: { userId, ...live(limits, now) },
        orderBy: [{ lastSeenAt: "desc" }, { id: "asc" }],
      });
    },

    /** One live session of `userId`, or null: another user's id looks like a missing one. */
    find(id: string, userId: string, now: number): Promise<SessionRecord | null> {
      return prisma.session.findFirst({ where: { id, userId, ...live(limits, now) } });
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** Session ids in cookies and global ids are UUIDs; anything else is not looked up. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
