// Login-throttle counters in this process: a bounded map with fixed windows.
import type { CounterStore, Hit } from "./throttle.js";

interface Entry {
  count: number;
  /** Seconds since the epoch. */
  expires: number;
}

/**
 * Counters for one process. `now` is seconds since the epoch (injectable for tests).
 * At most `maxKeys` live counters: expired ones are swept first, then the oldest go, so
 * a flood of distinct usernames cannot exhaust memory.
 */
export function createMemoryStore(now: () => number, maxKeys = 100_000): CounterStore {
  const entries = new Map<string, Entry>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function makeRoom(): void {
    if (entries.size < maxKeys) return;
    const t = now();
    for (const [key, entry] of entries) if (entry.expires <= t) entries.delete(key);
    for (const key of entries.keys()) {
      if (entries.size < maxKeys) break;
      entries.delete(key);
    }
  }

  return {
    async hit(key, window): Promise<Hit> {
      let entry = live(key);
      if (!entry) {
        makeRoom();
        entry = { count: 0, expires: now() + window };
        entries.set(key, entry);
      }
      entry.count += 1;
      return { count: entry.count, ttl: Math.max(1, entry.expires - now()) };
    },
    async refund(key) {
      const entry = live(key);
      if (entry && entry.count > 0) entry.count -= 1;
    },
    async reset(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}
