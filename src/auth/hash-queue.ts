// Bounds the argon2 work in flight: a few slots, a short wait for one, then RATE_LIMITED.
import { rateLimited } from "../errors.js";
import type { Logger } from "../log.js";

export interface HashQueueOptions {
  /** Hashes running at once: the libuv thread pool's size, which runs them. */
  slots: number;
  /** Longest wait for a slot, ms, before RATE_LIMITED. */
  maxWaitMs: number;
  /** Requests waiting at most; one more is RATE_LIMITED at once. */
  maxQueue: number;
  /** Hashes one owner (a signed-in user) may have running or waiting. */
  perOwner: number;
}

interface Waiter {
  resolve(): void;
  timer: NodeJS.Timeout;
}

/**
 * A counting semaphore whose waits time out. Written here because p-limit cannot refuse
 * or time out a wait, and p-queue's `timeout` bounds the work itself, not the wait.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting = new Set<Waiter>();
  private readonly owners = new Map<string, number>();

  constructor(
    private readonly options: HashQueueOptions,
    private readonly log?: Logger,
  ) {}

  /**
   * Runs `work` (the hashing of one request) when a slot is free. Throws RATE_LIMITED with
   * `retryAfter` when `owner` already has its share in flight, when the queue is full, or
   * when no slot frees within the wait; `work` has not started then. `owner` null: no
   * per-owner share (logins, which the login throttle bounds per address).
   */
  async run<T>(owner: string | null, work: () => Promise<T>): Promise<T> {
    if (owner !== null) {
      const held = this.owners.get(owner) ?? 0;
      if (held >= this.options.perOwner) throw this.refuse("owner_share");
      this.owners.set(owner, held + 1);
    }
    try {
      await this.acquire();
      try {
        return await work();
      } finally {
        this.release();
      }
    } finally {
      if (owner !== null) {
        const held = (this.owners.get(owner) ?? 1) - 1;
        if (held > 0) this.owners.set(owner, held);
        else this.owners.delete(owner);
      }
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.slots) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.size >= this.options.maxQueue) return Promise.reject(this.refuse("queue_full"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          reject(this.refuse("wait_timeout"));
        }, this.options.maxWaitMs),
      };
      this.waiting.add(waiter);
    });
  }

  /** Hands the slot to the longest waiter (the count stays), or frees it. */
  private release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.running -= 1;
      return;
    }
    this.waiting.delete(next.value);
    clearTimeout(next.value.timer);
    next.value.resolve();
  }

  private refuse(reason: string) {
    this.log?.warn({ event: "hash_queue_refused", reason }, "password hashing busy");
    return rateLimited(this.options.maxWaitMs / 1000);
  }
}
