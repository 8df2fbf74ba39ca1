// The User table: the signed-in user's public columns, login lookups, password hashes.
import type { House, Role } from "../generated/prisma/enums.js";
import type { PrismaClient } from "./client.js";
import type { PendingWrite } from "./sessions.js";

/** The signed-in user as the API needs it: never the password hash. */
export interface CurrentUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  house: House | null;
}

const CURRENT_USER = { id: true, username: true, displayName: true, role: true, house: true } as const;

/** A new account's columns; `passwordHash` is already hashed. */
export interface NewUser extends Omit<CurrentUser, "id"> {
  passwordHash: string;
  /** Already normalised; stored as verified (an administrator vouches for it). */
  email?: { email: string; key: string } | null;
}

/** A user's address, as `User.email` and `AccountSecurity.emailVerified` show it. */
export interface UserEmail {
  email: string | null;
  verified: boolean;
}

/** Named queries on users, bound to one Prisma client. */
export function createUserQueries(prisma: PrismaClient) {
  return {
    /** One user by id, or null. */
    findById(id: string): Promise<CurrentUser | null> {
      return prisma.user.findUnique({ where: { id }, select: CURRENT_USER });
    },

    /** The user with `username` (already normalised) and their hash, for a login; null when none. */
    findForLogin(username: string): Promise<(CurrentUser & { passwordHash: string }) | null> {
      return prisma.user.findUnique({ where: { username }, select: { ...CURRENT_USER, passwordHash: true } });
    },

    /** The stored hash of user `id`, or null when the user is gone. */
    async passwordHash(id: string): Promise<string | null> {
      return (await prisma.user.findUnique({ where: { id }, select: { passwordHash: true } }))?.passwordHash ?? null;
    },

    /** A write of a new hash, not yet run: the session store runs it with a rotation. */
    setPasswordHash(id: string, passwordHash: string): PendingWrite {
      return prisma.user.update({ where: { id }, data: { passwordHash } });
    },

    /** Sets user `id`'s role and house; throws Prisma's not-found error when there is no such user. */
    setAccess(id: string, access: { role: Role; house: House | null }): Promise<CurrentUser> {
      return prisma.user.update({ where: { id }, data: access, select: CURRENT_USER });
    },

    /** The id of the user named `username`, or null. */
    async idOf(username: string): Promise<string | null> {
      return (await prisma.user.findUnique({ where: { username }, select: { id: true } }))?.id ?? null;
    },

    /** Creates an account; throws Prisma's unique-constraint error when the username is taken. */
    create({ email, ...user }: NewUser): Promise<CurrentUser> {
      const address = email ? { email: email.email, emailKey: email.key, emailVerifiedAt: new Date() } : {};
      return prisma.user.create({ data: { ...user, ...address }, select: CURRENT_USER });
    },

    /** User `id`'s address and whether it is verified; null when the user is gone. */
    async email(id: string): Promise<UserEmail | null> {
      const row = await prisma.user.findUnique({ where: { id }, select: { email: true, emailVerifiedAt: true } });
      return row && { email: row.email, verified: row.email !== null && row.emailVerifiedAt !== null };
    },

    /** Whether an account holds the address key `key`. */
    async emailTaken(key: string): Promise<boolean> {
      return (await prisma.user.count({ where: { emailKey: key } })) > 0;
    },
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
