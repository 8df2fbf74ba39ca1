// The live events between instances: Yoga's pubsub on an in-process or a Redis event target.
import { createPubSub, type PubSub } from "@graphql-yoga/subscription";
import type { AwardRecord } from "../db/points.js";
import type { CurrentUser } from "../db/users.js";
import type { House, Role } from "../generated/prisma/enums.js";
import type { Logger } from "../log.js";
import { createLiveRedisTarget } from "./redis-target.js";

/** A point award as every instance receives it (JSON-safe: it may cross Redis). */
export type AwardEvent = Omit<AwardRecord, "createdAt" | "awardedById"> & {
  /** ISO-8601. */
  createdAt: string;
  awardedBy: CurrentUser | null;
};

/** Sessions that ended: by id, every session of `userId` but `except`, or all of them. */
export interface SessionEndedEvent {
  everyone?: boolean;
  sessionIds?: string[];
  userId?: string;
  except?: string;
}

/** A user's role or house changed: streams opened with the old ones end. */
export interface UserChangedEvent {
  userId: string;
  role: Role;
  house: House | null;
}

type Topics = { award: [AwardEvent]; sessionEnded: [SessionEndedEvent]; userChanged: [UserChangedEvent] };

export interface LivePubSub {
  publish<K extends keyof Topics>(topic: K, payload: Topics[K][0]): void;
  subscribe<K extends keyof Topics>(topic: K): AsyncIterable<Topics[K][0]>;
  /** Calls `listener` when events flow again after an outage of Redis (those in between are lost). */
  onResume(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * In-process when `redisUrls` is null (one instance); otherwise Redis pub/sub (sharded on a
 * cluster), so that an award or a sign-out on any instance reaches the streams of every
 * instance. Channels are named `{prefix}` + topic, so that several deployments (or test runs)
 * can share one Redis, and so that on a cluster every topic hashes to one slot: one node then
 * carries them all, in the order they were published (a sign-out before a later award).
 */
export function createLivePubSub(redisUrls: string[] | null, prefix: string, log: Logger): LivePubSub {
  const channel = (topic: keyof Topics) => `{${prefix}}${topic}`;
  if (!redisUrls) {
    const pubsub: PubSub<Record<string, [unknown]>> = createPubSub();
    return {
      publish: (topic, payload) => pubsub.publish(channel(topic), payload),
      subscribe: (topic) => pubsub.subscribe(channel(topic)) as AsyncIterable<never>,
      onResume: () => {},
      close: async () => {},
    };
  }
  const redis = createLiveRedisTarget(redisUrls, log);
  const pubsub: PubSub<Record<string, [unknown]>> = createPubSub({
    eventTarget: redis.eventTarget,
  });
  return {
    publish: (topic, payload) => pubsub.publish(channel(topic), payload),
    subscribe: (topic) => pubsub.subscribe(channel(topic)) as AsyncIterable<never>,
    onResume: (listener) => redis.onResume(listener),
    close: () => redis.close(),
  };
}
