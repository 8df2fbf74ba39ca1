// Login-throttle counters in this process: a bounded map with fixed windows.
import type { CounterStore, Hit } from "./throttle.js";

interface Entry {
  count: number;
  /** Seconds since the epoch. */
  expires: number;
  /** The count at which this key refuses the next attempt. */
  limit: number;
}

/**
 * Counters for one process. `now` is seconds since the epoch (injectable for tests).
 * At most `maxKeys` live counters, so a flood of distinct usernames cannot exhaust memory;
 * room is made from expired keys, then from keys below their limit, never from a key that
 * is still limiting. When every key is limiting, a new key is answered as over its limit
 * (fail closed) until the earliest one expires.
 */
export function createMemoryStore(now: () => number, maxKeys = 100_000): CounterStore {
  // Least recently hit first: an address counter in use stays at the back, while the
  // one-attempt usernames of a flood gather at the front and go first.
  const entries = new Map<string, Entry>();
  /** While the map is known to hold only limiting keys: the earliest expiry among them. */
  let fullUntil = 0;

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Frees one place if the map is full; false when every key is live and limiting. */
  function makeRoom(): boolean {
    if (entries.size < maxKeys) return true;
    const t = now();
    if (t < fullUntil) return false;
    let earliest = Number.POSITIVE_INFINITY;
    let left = entries.size;
    for (const [key, entry] of entries) {
      if (left-- === 0) break;
      entries.delete(key);
      if (entry.expires <= t || entry.count < entry.limit) return true;
      // A limiting key goes to the back, so the next search does not walk past it again.
      entries.set(key, entry);
      earliest = Math.min(earliest, entry.expires);
    }
    fullUntil = earliest;
    return false;
  }

  return {
    async hit(key, window, limit): Promise<Hit> {
      let entry = live(key);
      if (entry) entries.delete(key);
      else if (!makeRoom()) return { count: limit + 1, ttl: Math.max(1, fullUntil - now()) };
      entry ??= { count: 0, expires: now() + window, limit };
      entries.set(key, entry);
      entry.count += 1;
      return { count: entry.count, ttl: Math.max(1, entry.expires - now()) };
    },
    async refund(key) {
      const entry = live(key);
      if (entry && entry.count > 0) {
        entry.count -= 1;
        fullUntil = 0; // it may have become evictable
      }
    },
    async reset(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}
