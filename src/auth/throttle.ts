// Login throttling policy: failed attempts counted per username and per client address.
import { rateLimited } from "../errors.js";

/** One counter after a hit: its value and the whole seconds left in its window. */
export interface Hit {
  count: number;
  ttl: number;
}

/** Where the counters live: this process (memory) or Redis (shared by instances). */
export interface CounterStore {
  /**
   * Adds one to `key`, atomically; a new counter lives `window` seconds. `limit` is the
   * count from which the key refuses attempts: a bounded store never drops a key that has
   * reached it, and answers over the limit when it has no room left for a new key.
   */
  hit(key: string, window: number, limit: number): Promise<Hit>;
  /** Takes one back from `key` (never below zero), keeping its expiry. */
  refund(key: string): Promise<void>;
  /** Forgets `key`. */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface ThrottleLimits {
  /** Attempts per username per window before RATE_LIMITED. */
  maxPerUser: number;
  /** Attempts per client address per window before RATE_LIMITED. */
  maxPerAddress: number;
  /** Seconds; the window starts at the first counted attempt. */
  window: number;
}

/** An attempt that was let through; call `succeeded()` when the password was right. */
export interface Attempt {
  succeeded(): Promise<void>;
}

export class LoginThrottle {
  constructor(
    private readonly store: CounterStore,
    private readonly limits: ThrottleLimits,
  ) {}

  /**
   * Counts one login attempt for `username` and `address` before the password is checked,
   * so that concurrent attempts cannot slip past the limit. Throws RATE_LIMITED (with
   * `retryAfter`) once either counter is over its limit, whatever the password.
   * The address is counted first: a limited address adds no username counter, so a flood
   * of new usernames from it costs no memory and pushes no other counter out.
   * A success then undoes its own count: the username's counter is cleared and the
   * address gets its attempt back.
   */
  async attempt(username: string, address: string): Promise<Attempt> {
    const userKey = `u:${username}`;
    const addressKey = `a:${address}`;
    const { window, maxPerAddress, maxPerUser } = this.limits;
    const addr = await this.store.hit(addressKey, window, maxPerAddress);
    if (addr.count > maxPerAddress) throw rateLimited(addr.ttl);
    const user = await this.store.hit(userKey, window, maxPerUser);
    if (user.count > maxPerUser) throw rateLimited(user.ttl);
    return {
      succeeded: async () => {
        await Promise.all([this.store.reset(userKey), this.store.refund(addressKey)]);
      },
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
