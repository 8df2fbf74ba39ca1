// The in-process login counters: fixed windows, refunds, resets and the bound on live keys.
import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/auth/throttle-memory.js";

function clock(start = 1_000_000) {
  const c = { now: start, fn: () => c.now };
  return c;
}

describe("in-process login counters", () => {
  it("counts hits in a fixed window and reports the whole seconds left", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    expect(await store.hit("u:a", 60)).toEqual({ count: 1, ttl: 60 });
    t.now += 20;
    expect(await store.hit("u:a", 60)).toEqual({ count: 2, ttl: 40 }); // the window does not slide
    t.now += 39;
    expect(await store.hit("u:a", 60)).toEqual({ count: 3, ttl: 1 });
    t.now += 1; // the window is over exactly at its end
    expect(await store.hit("u:a", 60)).toEqual({ count: 1, ttl: 60 });
  });

  it("keeps counters apart by key", async () => {
    const store = createMemoryStore(clock().fn);
    await store.hit("u:a", 60);
    await store.hit("u:a", 60);
    expect(await store.hit("a:1.2.3.4", 60)).toEqual({ count: 1, ttl: 60 });
  });

  it("takes one back on refund, never below zero, keeping the window", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    await store.hit("a:x", 60);
    await store.hit("a:x", 60);
    await store.refund("a:x");
    t.now += 10;
    expect(await store.hit("a:x", 60)).toEqual({ count: 2, ttl: 50 });
    await store.refund("a:x");
    await store.refund("a:x");
    await store.refund("a:x");
    expect(await store.hit("a:x", 60)).toEqual({ count: 1, ttl: 50 });
    await store.refund("a:none"); // an unknown key stays unknown
    expect(await store.hit("a:none", 60)).toEqual({ count: 1, ttl: 60 });
  });

  it("does not refund an expired counter into a new window", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn);
    await store.hit("a:x", 60);
    t.now += 60;
    await store.refund("a:x");
    expect(await store.hit("a:x", 60)).toEqual({ count: 1, ttl: 60 });
  });

  it("forgets a key on reset and everything on close", async () => {
    const store = createMemoryStore(clock().fn);
    await store.hit("u:a", 60);
    await store.hit("u:b", 60);
    await store.reset("u:a");
    expect((await store.hit("u:a", 60)).count).toBe(1);
    expect((await store.hit("u:b", 60)).count).toBe(2);
    await store.close();
    expect((await store.hit("u:b", 60)).count).toBe(1);
  });

  it("holds at most maxKeys counters: expired ones go first, then the oldest", async () => {
    const t = clock();
    const store = createMemoryStore(t.fn, 3);
    await store.hit("old", 10);
    await store.hit("k1", 100);
    await store.hit("k1", 100);
    await store.hit("k2", 100);
    t.now += 10; // "old" has expired
    await store.hit("k3", 100); // sweeps "old"; k1 and k2 survive
    expect((await store.hit("k1", 100)).count).toBe(3);
    expect((await store.hit("k2", 100)).count).toBe(2);
    await store.hit("k4", 100); // full of live keys: the oldest (k1) goes
    expect((await store.hit("k2", 100)).count).toBe(3);
    expect((await store.hit("k1", 100)).count).toBe(1);
  });
});
