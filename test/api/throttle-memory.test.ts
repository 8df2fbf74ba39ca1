// The in-process login counters: fixed windows, refunds, resets and the bound on live keys.
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/auth/throttle-memory.js";

/** High enough not to matter except in the key-bound test, which sets its own. */
const LIMIT = 10;

function clock(start = 1_000_000) {
  const c = { now: start, fn: () => c.now };
  return c;
}

describe("in-process login counters", () => {
  it("counts hits in a fixed window and reports the whole seconds left", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    expect(await store.hit("u:a", 60, LIMIT)).toEqual({ count: 1, ttl: 60 });
    t.now += 20;
    expect(await store.hit("u:a", 60, LIMIT)).toEqual({ count: 2, ttl: 40 }); // the window does not slide
    t.now += 39;
    expect(await store.hit("u:a", 60, LIMIT)).toEqual({ count: 3, ttl: 1 });
    t.now += 1; // the window is over exactly at its end
    expect(await store.hit("u:a", 60, LIMIT)).toEqual({ count: 1, ttl: 60 });
  });

  it("keeps counters apart by key", async () => {
    const store = createMemoryStore(clock().fn);
    await store.hit("u:a", 60, LIMIT);
    await store.hit("u:a", 60, LIMIT);
    expect(await store.hit("a:1.2.3.4", 60, LIMIT)).toEqual({ count: 1, ttl: 60 });
  });

  it("takes one back on refund, never below zero, keeping the window", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    await store.hit("a:x", 60, LIMIT);
    await store.hit("a:x", 60, LIMIT);
    await store.refund("a:x");
    t.now += 10;
    expect(await store.hit("a:x", 60, LIMIT)).toEqual({ count: 2, ttl: 50 });
    await store.refund("a:x");
    await store.refund("a:x");
    await store.refund("a:x");
    expect(await store.hit("a:x", 60, LIMIT)).toEqual({ count: 1, ttl: 50 });
    await store.refund("a:none"); // an unknown key stays unknown
    expect(await store.hit("a:none", 60, LIMIT)).toEqual({ count: 1, ttl: 60 });
  });

  it("does not refund an expired counter into a new window", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    await store.hit("a:x", 60, LIMIT);
    t.now += 60;
    await store.refund("a:x");
    expect(await store.hit("a:x", 60, LIMIT)).toEqual({ count: 1, ttl: 60 });
  });

  it("forgets a key on reset and everything on close", async () => {
    const store = createMemoryStore(clock().fn);
    await store.hit("u:a", 60, LIMIT);
    await store.hit("u:b", 60, LIMIT);
    await store.reset("u:a");
    expect((await store.hit("u:a", 60, LIMIT)).count).toBe(1);
    expect((await store.hit("u:b", 60, LIMIT)).count).toBe(2);
    await store.close();
    expect((await store.hit("u:b", 60, LIMIT)).count).toBe(1);
  });

  it("holds at most maxKeys counters, never forgetting one that is still limiting", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn, 2);
    await store.hit("a", 100, 2);
    await store.hit("a", 100, 2); // a is at its limit
    await store.hit("b", 100, 2);
    await store.hit("c", 100, 2); // full: b (below its limit) makes room, a stays
    expect((await store.hit("a", 100, 2)).count).toBe(3);
    expect((await store.hit("b", 100, 2)).count).toBe(1); // b was forgotten; c makes room
    expect((await store.hit("b", 100, 2)).count).toBe(2);
    // Every key is limiting: a new key is refused until the earliest window ends (fail closed).
    t.now += 40;
    expect(await store.hit("d", 100, 2)).toEqual({ count: 3, ttl: 60 });
    expect(await store.hit("e", 100, 2)).toEqual({ count: 3, ttl: 60 }); // no walk again, still refused
    t.now += 60;
    expect(await store.hit("d", 100, 2)).toEqual({ count: 1, ttl: 100 });
  });

  it("sweeps an expired key before anything else", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn, 2);
    await store.hit("old", 10, 5);
    await store.hit("k1", 100, 5);
    t.now += 10;
    await store.hit("k2", 100, 5);
    expect((await store.hit("k1", 100, 5)).count).toBe(2);
  });

  it("evicts the oldest counter first, and one restarted after its window is the newest", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn, 3);
    await store.hit("x", 10, 5);
    t.now += 1;
    await store.hit("y", 100, 5);
    t.now += 10;
    expect((await store.hit("x", 10, 5)).count).toBe(1); // x's window is over: it starts again
    await store.hit("z", 100, 5);
    await store.hit("w", 100, 5); // full: the oldest counter below its limit, y, makes room
    expect((await store.hit("x", 10, 5)).count).toBe(2);
    expect((await store.hit("y", 100, 5)).count).toBe(1);
  });
});
