// The live events between instances: Yoga's pubsub on an in-process or a Redis event target.
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, type PubSub } from "@graphql-yoga/subscription";
import type { AwardRecord } from "../db/points.js";
import type { CurrentUser } from "../db/users.js";
import type { House, Role } from "../generated/prisma/enums.js";
import type { Logger } from "../log.js";
import { connectRedis } from "../redis.js";

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
  close(): Promise<void>;
}

/**
 * In-process when `redisUrls` is null (one instance); otherwise Redis pub/sub (on a cluster,
 * classic pub/sub, which the cluster bus carries to every node), so that an award
 * or a sign-out on any instance reaches the streams of every instance. Channels are named
 * `prefix` + topic, so that several deployments (or test runs) can share one Redis.
 */
export function createLivePubSub(redisUrls: string[] | null, prefix: string, log: Logger): LivePubSub {
  const channel = (topic: keyof Topics) => `${prefix}${topic}`;
  if (!redisUrls) {
    const pubsub: PubSub<Record<string, [unknown]>> = createPubSub();
    return {
      publish: (topic, payload) => pubsub.publish(channel(topic), payload),
      subscribe: (topic) => pubsub.subscribe(channel(topic)) as AsyncIterable<never>,
      close: async () => {},
    };
  }
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const publishClient = connectRedis(redisUrls, options);
  const subscribeClient = connectRedis(redisUrls, options);
  let reported = false;
  for (const client of [publishClient, subscribeClient]) {
    // The message names host and port only; the URL (which may hold a password) is never logged.
    client.on("error", (error: Error) => {
      if (!reported) log.warn({ reason: error.message }, "redis unavailable; live events wait for it");
      reported = true;
    });
    client.on("ready", () => {
      reported = false;
    });
  }
  // The event target fires these commands without awaiting them: while Redis is away their
  // rejections would go unhandled, so each is caught and reported (the 'error' handler above).
  const lost = () => 0;
  const rawPublish = publishClient.publish.bind(publishClient) as (channel: string, message: string) => Promise<number>;
  const rawSubscribe = subscribeClient.subscribe.bind(subscribeClient) as (channel: string) => Promise<unknown>;
  const rawUnsubscribe = subscribeClient.unsubscribe.bind(subscribeClient) as (channel: string) => Promise<unknown>;
  Object.assign(publishClient, {
    publish: (channel: string, message: string) => rawPublish(channel, message).catch(lost),
  });
  Object.assign(subscribeClient, {
    subscribe: (channel: string) => rawSubscribe(channel).catch(lost),
    unsubscribe: (channel: string) => rawUnsubscribe(channel).catch(lost),
  });
  const pubsub: PubSub<Record<string, [unknown]>> = createPubSub({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient }),
  });
  return {
    publish: (topic, payload) => pubsub.publish(channel(topic), payload),
    subscribe: (topic) => pubsub.subscribe(channel(topic)) as AsyncIterable<never>,
    async close() {
      subscribeClient.disconnect();
      // QUIT after what was published: a command-line tool exits right after.
      await publishClient.quit().catch(() => publishClient.disconnect());
    },
  };
}
