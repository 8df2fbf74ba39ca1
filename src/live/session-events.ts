// Publishes every session end made through the store, so that open streams end on every instance.
import type { LivePubSub } from "./pubsub.js";

interface EndingStore {
  end(id: string, userId: string, now?: number): Promise<boolean>;
  endAll(userId: string, keep?: string): Promise<number>;
  rotate(id: string, userId: string, ...rest: never[]): Promise<{ id: string } | null>;
  endEveryone(): Promise<number>;
}

/**
 * The same store, whose `end`, `endAll` and `rotate` also announce the sessions they ended
 * (after the database write, so that a stream re-reading the session finds it gone). Logout,
 * revocation, sign-out everywhere, a password change and expiry all end sessions through these.
 */
export function announceSessionEnds<S extends EndingStore>(store: S, pubsub: LivePubSub): S {
  return {
    ...store,
    async end(id: string, userId: string, now?: number) {
      const ended = await store.end(id, userId, now);
      // Only a session that was the caller's: another user's id must end nothing.
      if (ended) pubsub.publish("sessionEnded", { sessionIds: [id] });
      return ended;
    },
    async endAll(userId: string, keep?: string) {
      const count = await store.endAll(userId, keep);
      pubsub.publish("sessionEnded", { userId, except: keep });
      return count;
    },
    async endEveryone() {
      const count = await store.endEveryone();
      pubsub.publish("sessionEnded", { everyone: true });
      return count;
    },
    async rotate(id: string, userId: string, ...rest: never[]) {
      const record = await store.rotate(id, userId, ...rest);
      // Every session of the user ended, the rotated one's old id included; the new id lives on.
      if (record) pubsub.publish("sessionEnded", { userId, except: record.id });
      return record;
    },
  };
}
