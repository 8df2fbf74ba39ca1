// Publishes every change of a user's role or house, so that streams showing the old view end on every instance.
import type { CurrentUser } from "../db/users.js";
import type { House, Role } from "../generated/prisma/enums.js";
import type { LivePubSub } from "./pubsub.js";

interface AccessStore {
  setAccess(id: string, access: { role: Role; house: House | null }): Promise<CurrentUser>;
}

/**
 * The same queries, whose `setAccess` also announces the user's new role and house (after the
 * database write, so that a stream opened meanwhile already holds them and is left alone).
 */
export function announceUserChanges<U extends AccessStore>(users: U, pubsub: LivePubSub): U {
  return {
    ...users,
    async setAccess(id: string, access: { role: Role; house: House | null }) {
      const user = await users.setAccess(id, access);
      pubsub.publish("userChanged", { userId: user.id, role: user.role, house: user.house });
      return user;
    },
  };
}
