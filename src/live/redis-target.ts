// The Redis transport of live events: classic pub/sub on one server, sharded pub/sub on a cluster.
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { connectRedis } from "../redis.js";

type Listener = (channel: string, message: string) => void;

/** What createRedisEventTarget calls on its two clients, and nothing more. */
interface Transport {
  publish(channel: string, message: string): Promise<unknown>;
  on(event: "message", listener: Listener): unknown;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

export interface LiveRedisTarget {
  eventTarget: ReturnType<typeof createRedisEventTarget>;
  /** Calls `listener` once the subscriptions are back after Redis (or a master) was lost. */
  onResume(listener: () => void): void;
  close(): Promise<void>;
}

// How long the subscriber must stay quiet after reconnecting before it counts as back: a
// cluster reports its subscribers ready after every attempt, failed ones included, and
// ioredis retries a lost node at most 2.5 s apart (2 s backoff plus jitter).
const SETTLE_MS = 3000;

/**
 * An event target on the Redis at `urls`. On a cluster (several URLs) it uses sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE, Redis 7): a message goes to the master of its channel's slot and to
 * that node's subscribers only, instead of crossing the cluster bus to every node; callers keep
 * channels that must stay in order under one hash tag, so that they share a slot. Messages are
 * at most once: one published while Redis (or the slot's master) is away is lost, and the
 * subscriptions are restored by the client when it answers again.
 */
export function createLiveRedisTarget(urls: string[], log: Logger): LiveRedisTarget {
  const sharded = urls.length > 1;
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const publishClient = connectRedis(urls, options);
  // One subscriber connection per master that serves a channel of ours (ioredis' sharded subscribers).
  const subscribeClient = connectRedis(urls, options, { shardedSubscribers: sharded });
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
  // rejections would go unhandled, so each is caught (and reported by the 'error' handler above).
  const lost = () => 0;
  const publisher: Pick<Transport, "publish"> = {
    publish: (channel, message) =>
      (sharded ? publishClient.spublish(channel, message) : publishClient.publish(channel, message)).catch(lost),
  };
  const subscriber: Omit<Transport, "publish"> = {
    on: (_event, listener) => subscribeClient.on(sharded ? "smessage" : "message", listener),
    subscribe: (channel) =>
      (sharded ? subscribeClient.ssubscribe(channel) : subscribeClient.subscribe(channel)).catch(lost),
    unsubscribe: (channel) =>
      (sharded ? subscribeClient.sunsubscribe(channel) : subscribeClient.unsubscribe(channel)).catch(lost),
  };
  // Whatever was published while the subscriber was away is lost, sign-outs included.
  const resumed = new Set<() => void>();
  let troubled = false;
  let settle: NodeJS.Timeout | undefined;
  const trouble = () => {
    troubled = true;
    clearTimeout(settle);
  };
  const back = () => {
    if (!troubled) return;
    clearTimeout(settle);
    settle = setTimeout(() => {
      troubled = false;
      for (const listener of resumed) listener();
    }, SETTLE_MS);
    settle.unref();
  };
  for (const event of ["error", "nodeError", "-node", "close"]) subscribeClient.on(event, trouble);
  subscribeClient.on(sharded ? "subscribersReady" : "ready", back);
  return {
    onResume: (listener) => resumed.add(listener),
    // The library types its clients as ioredis clients but calls only the methods of Transport.
    eventTarget: createRedisEventTarget({
      publishClient: publisher as unknown as Redis,
      subscribeClient: subscriber as unknown as Redis,
    }),
    async close() {
      clearTimeout(settle);
      resumed.clear();
      subscribeClient.disconnect();
      // QUIT after what was published: a command-line tool exits right after.
      await publishClient.quit().catch(() => publishClient.disconnect());
    },
  };
}
