// The open subscriptions of this instance: fan-out of awards, limits, and ending them with their session.
import { GraphQLError } from "graphql";
import { accessChanged, unauthenticated } from "../errors.js";
import type { House, Role } from "../generated/prisma/enums.js";
import type { Logger } from "../log.js";
import type { AwardEvent, LivePubSub, SessionEndedEvent, UserChangedEvent } from "./pubsub.js";
import { type Ended, LiveStream } from "./stream.js";

/** The user's role and house: what a stream's events show depends on them. */
export interface Access {
  role: Role;
  house: House | null;
}

/** What the hub needs of the session store. */
export interface SessionLookup {
  load(id: string): Promise<{ userId: string; createdAt: Date; lastSeenAt: Date; user: Access } | null>;
  end(id: string, userId: string): Promise<boolean>;
}

export interface LiveLimits {
  /** Open subscriptions per session on this instance. */
  perSession: number;
  /** Open subscriptions on this instance. */
  perInstance: number;
  /** Events waiting for a slow consumer before its stream is dropped. */
  buffer: number;
}

export interface LiveHubDeps {
  pubsub: LivePubSub;
  store: SessionLookup;
  limits: LiveLimits;
  session: { absoluteTimeout: number; idleTimeout: number };
  /** Seconds since the epoch. */
  now: () => number;
  log: Logger;
}

interface Entry {
  sessionId: string;
  userId: string;
  /** The subscription's filter; null for every house. */
  house: House | null;
  /** The user's role and house when the stream opened. */
  access: Access;
  /** Seconds since the epoch: the earliest the session can expire, as last read. */
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
  stream: LiveStream<AwardEvent>;
}

const sameAccess = (a: Access, b: Access) => a.role === b.role && a.house === b.house;

const limitExceeded = (message: string) => new GraphQLError(message, { extensions: { code: "LIMIT_EXCEEDED" } });

// setTimeout's longest delay; a later expiry is re-read when it fires.
const MAX_DELAY_MS = 2 ** 31 - 1;

export type LiveHub = ReturnType<typeof createLiveHub>;

/**
 * Listens for awards and ended sessions on `pubsub` and keeps the streams of this instance.
 * Every stream knows its session: an ended-session event, or the session's idle or absolute
 * limit (a timer per stream), ends it with UNAUTHENTICATED; a change of the user's role or
 * house (announced, or found by that timer's re-read) ends it with FORBIDDEN.
 */
export function createLiveHub(deps: LiveHubDeps) {
  const { limits, now } = deps;
  const entries = new Set<Entry>();
  const bySession = new Map<string, Set<Entry>>();

  const expiry = (record: { createdAt: Date; lastSeenAt: Date }) =>
    Math.min(
      record.createdAt.getTime() / 1000 + deps.session.absoluteTimeout,
      record.lastSeenAt.getTime() / 1000 + deps.session.idleTimeout,
    );

  function schedule(entry: Entry): void {
    clearTimeout(entry.timer);
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, (entry.expiresAt - now()) * 1000));
    entry.timer = setTimeout(() => void recheck(entry), delay);
    entry.timer.unref();
  }

  /**
   * Re-reads the session: another request may have renewed it; else it has ended. A user whose
   * role or house changed unannounced (no Redis between the changer and this instance) loses
   * this stream alone: the session lives on.
   */
  async function recheck(entry: Entry): Promise<void> {
    if (entry.stream.ended) return;
    try {
      const record = await deps.store.load(entry.sessionId);
      if (record && record.userId === entry.userId && now() < expiry(record)) {
        if (!sameAccess(record.user, entry.access)) return entry.stream.end(accessChanged());
        entry.expiresAt = expiry(record);
        schedule(entry);
        return;
      }
      // Past a limit: end the row too, which ends this session's streams on every instance.
      if (record) await deps.store.end(entry.sessionId, entry.userId);
    } catch (error) {
      deps.log.warn({ reason: error instanceof Error ? error.message : String(error) }, "session recheck failed");
    }
    endSession(entry.sessionId);
  }

  function endSession(sessionId: string): void {
    for (const entry of [...(bySession.get(sessionId) ?? [])]) entry.stream.end(unauthenticated());
  }

  function onSessionEnded(event: SessionEndedEvent): void {
    for (const id of event.sessionIds ?? []) endSession(id);
    if (event.userId || event.everyone) {
      for (const entry of [...entries]) {
        if ((event.everyone || entry.userId === event.userId) && entry.sessionId !== event.except)
          entry.stream.end(unauthenticated());
      }
    }
  }

  function onUserChanged(event: UserChangedEvent): void {
    for (const entry of [...entries]) {
      if (entry.userId === event.userId && !sameAccess(entry.access, event)) entry.stream.end(accessChanged());
    }
  }

  function onAward(award: AwardEvent): void {
    const at = now();
    for (const entry of entries) {
      if (entry.house && entry.house !== award.house) continue;
      // The timer may not have fired yet: a session past its limit gets nothing more.
      if (at >= entry.expiresAt) void recheck(entry);
      else entry.stream.push(award);
    }
  }

  const awards = deps.pubsub.subscribe("award")[Symbol.asyncIterator]();
  const ends = deps.pubsub.subscribe("sessionEnded")[Symbol.asyncIterator]();
  const changes = deps.pubsub.subscribe("userChanged")[Symbol.asyncIterator]();
  async function listen<T>(source: AsyncIterator<T>, handle: (value: T) => void): Promise<void> {
    for (let item = await source.next(); !item.done; item = await source.next()) handle(item.value);
  }
  for (const loop of [listen(awards, onAward), listen(ends, onSessionEnded), listen(changes, onUserChanged)]) {
    loop.catch((error: unknown) => deps.log.error({ err: error }, "live event loop failed"));
  }
  // A sign-out announced while Redis was away never arrived: read every stream's session again.
  deps.pubsub.onResume(() => {
    for (const entry of [...entries]) void recheck(entry);
  });

  return {
    /**
     * Opens a stream of awards (of `house`, or all) for a signed-in session. Throws
     * LIMIT_EXCEEDED past the per-session or per-instance limit, UNAUTHENTICATED when the
     * session has ended meanwhile, FORBIDDEN when the user's role or house (`access`, as the
     * request read them) has changed meanwhile.
     */
    async open(owner: {
      sessionId: string;
      userId: string;
      house: House | null;
      access: Access;
    }): Promise<AsyncIterableIterator<AwardEvent | Ended>> {
      if (entries.size >= limits.perInstance)
        throw limitExceeded("This server has too many open subscriptions; try again later.");
      const mine = bySession.get(owner.sessionId) ?? new Set<Entry>();
      if (mine.size >= limits.perSession) {
        throw limitExceeded(`At most ${limits.perSession} open subscriptions per session.`);
      }
      const entry: Entry = {
        ...owner,
        expiresAt: Number.POSITIVE_INFINITY,
        timer: undefined,
        stream: new LiveStream<AwardEvent>(
          limits.buffer,
          () => limitExceeded("Subscription dropped: the client did not keep up with its events."),
          () => {
            clearTimeout(entry.timer);
            entries.delete(entry);
            mine.delete(entry);
            if (mine.size === 0) bySession.delete(owner.sessionId);
          },
        ),
      };
      // Registered before the session is read again: an end published after this read is
      // seen by the listener, one before it by the read.
      entries.add(entry);
      mine.add(entry);
      bySession.set(owner.sessionId, mine);
      const record = await deps.store.load(owner.sessionId).catch((error: unknown) => {
        entry.stream.end();
        throw error;
      });
      if (!record || record.userId !== owner.userId || now() >= expiry(record)) {
        entry.stream.end();
        throw unauthenticated();
      }
      if (!sameAccess(record.user, owner.access)) {
        entry.stream.end();
        throw accessChanged();
      }
      entry.expiresAt = expiry(record);
      schedule(entry);
      return entry.stream;
    },

    /** Runs every stream's session check now (what each stream's timer does at its expiry). */
    recheckAll(): Promise<void> {
      return Promise.all([...entries].map((entry) => recheck(entry))).then(() => {});
    },

    /** Sends an award to every matching stream of every instance. */
    announce(award: AwardEvent): void {
      deps.pubsub.publish("award", award);
    },

    /** Open streams on this instance. */
    get size(): number {
      return entries.size;
    },

    /** Completes every stream (shutdown). */
    async close(): Promise<void> {
      for (const entry of [...entries]) entry.stream.end();
      await Promise.all([awards.return?.(), ends.return?.(), changes.return?.()]);
    },
  };
}
