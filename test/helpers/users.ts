// Extra users for tests that change or delete them, made the way `user:create` makes them.
import { hashPassword } from "../../src/auth/password.js";
import type { House, Role } from "../../src/generated/prisma/enums.js";
import type { TestApp } from "./app.js";

export interface NewUser {
  id: string;
  username: string;
  password: string;
}

/** Creates a user with a real argon2 hash; the password is `${username}-secret-password`. */
export async function createUser(app: TestApp, username: string, role: Role, house: House | null): Promise<NewUser> {
  const password = `${username}-secret-password`;
  const { id } = await app.db.prisma.user.create({
    data: { username, displayName: username, role, house, passwordHash: await hashPassword(password) },
    select: { id: true },
  });
  return { id, username, password };
}
