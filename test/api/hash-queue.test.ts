// Bounded password hashing: one session's parallel guesses cannot take every hashing slot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashQueue } from "../../src/auth/hash-queue.js";
import type { Logger } from "../../src/log.js";
import { codes, createTestApp, DEMO, type GraphQLResponse, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { loginFrom } from "../helpers/http.js";

const CHANGE = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

/** Every RATE_LIMITED answer is a 200 with a whole `retryAfter` of at least a second. */
function expectRateLimitedShape(res: GraphQLResponse) {
  expect(res.status).toBe(200);
  expect(res.body.errors).toHaveLength(1);
  const retryAfter = res.body.errors?.[0].extensions?.retryAfter;
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
}

describe.each(BACKENDS)("hashing slots under a changePassword flood (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  it("lets another user sign in while one session fires 64 parallel guesses, refusing the excess", async () => {
    const thief = app.client();
    expect(codes(await thief.login(DEMO.harry.username, DEMO.harry.password))).toEqual([]);
    const flood = Array.from({ length: 64 }, (_, i) =>
      thief.gql(CHANGE, { c: `guess-number-${i}`, n: "a-brand-new-password-1" }),
    );
    const other = loginFrom(app, "198.51.100.77", DEMO.luna.username, DEMO.luna.password);
    const [answers, luna] = await Promise.all([Promise.all(flood), other]);

    expect(codes(luna)).toEqual([]);
    expect(luna.body.data).toEqual({ login: { id: expect.any(String), username: "luna" } });
    const tally = answers.map((r) => codes(r)[0]);
    expect(tally.filter((c) => c !== "INVALID_CREDENTIALS" && c !== "RATE_LIMITED")).toEqual([]);
    expect(tally.filter((c) => c === "RATE_LIMITED").length).toBeGreaterThan(0);
    expect(tally.filter((c) => c === "INVALID_CREDENTIALS").length).toBeGreaterThan(0);
    for (const res of answers.filter((r) => codes(r)[0] === "RATE_LIMITED")) {
      expectRateLimitedShape(res);
      expect(res.body.data).toBeNull();
    }
    // nothing changed: the password is the old one (once the account's guess window, which
    // the flood used up, has passed) and the thief's session still works
    app.clock.advance(15 * 60);
    expect(codes(await app.client().login(DEMO.harry.username, DEMO.harry.password))).toEqual([]);
    expect(codes(await thief.gql("{ me { username } }"))).toEqual([]);
  });
});

describe("hashing slots when the queue is full", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite", {
      LOGIN_MAX_FAILURES_PER_USER: "1000",
      LOGIN_MAX_FAILURES_PER_ADDRESS: "1000",
      HASH_CONCURRENCY: "1",
      HASH_QUEUE_MAX: "2",
    });
  });
  afterAll(() => app?.dispose());

  it("answers logins beyond the queue with RATE_LIMITED and retryAfter, never an error", async () => {
    // 1 running and 2 waiting at most: 12 parallel logins cannot all get in
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => loginFrom(app, `198.51.100.${i + 1}`, `nobody-${i}`, "wrong-password")),
    );
    const tally = answers.map((r) => codes(r)[0]);
    expect(tally.filter((c) => c !== "INVALID_CREDENTIALS" && c !== "RATE_LIMITED")).toEqual([]);
    expect(tally.filter((c) => c === "RATE_LIMITED").length).toBeGreaterThan(0);
    for (const res of answers.filter((r) => codes(r)[0] === "RATE_LIMITED")) expectRateLimitedShape(res);
    // once the burst is over, a login gets its slot
    expect(codes(await loginFrom(app, "198.51.100.99", "luna", DEMO.luna.password))).toEqual([]);
  });
});

describe("HashQueue", () => {
  /** Work that finishes when the test says so. */
  function gate() {
    let open!: () => void;
    const done = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, work: () => done };
  }
  const code = (e: unknown) => (e as { extensions?: { code?: string; retryAfter?: number } }).extensions;

  it("runs as many as it has slots, hands a freed slot to the longest waiter, refuses after the wait", async () => {
    const queue = new HashQueue({ slots: 2, maxWaitMs: 50, maxQueue: 10, perOwner: 10 });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      queue.run(null, () => {
        started.push(i);
        return g.work();
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[0].open();
    await runs[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    // 3 waits past 50 ms: refused, and its work never starts
    await expect(runs[3]).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED" && code(e)?.retryAfter === 1);
    expect(started).toEqual([0, 1, 2]);
    gates[1].open();
    gates[2].open();
    await Promise.all(runs.slice(0, 3));
    // all slots free again
    await expect(queue.run(null, async () => "ok")).resolves.toBe("ok");
  });

  it("refuses at once past the queue length and past an owner's share, and frees the share afterwards", async () => {
    const queue = new HashQueue({ slots: 1, maxWaitMs: 60_000, maxQueue: 1, perOwner: 2 });
    const g = gate();
    const first = queue.run("user:1", g.work);
    const second = queue.run("user:1", async () => "second");
    await expect(queue.run("user:1", async () => "x")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    await expect(queue.run("user:2", async () => "x")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    g.open();
    await first;
    await expect(second).resolves.toBe("second");
    await expect(queue.run("user:1", async () => "again")).resolves.toBe("again");
  });

  it("refuses an owner past its share though the queue has room, while others wait their turn", async () => {
    const reasons: string[] = [];
    const log = { warn: (o: { reason: string }) => reasons.push(o.reason) } as unknown as Logger;
    // A short wait: were the share not checked, the third would be refused only by the wait.
    const queue = new HashQueue({ slots: 1, maxWaitMs: 1000, maxQueue: 10, perOwner: 2 }, log);
    const g = gate();
    const first = queue.run("user:1", g.work);
    const second = queue.run("user:1", async () => "second");
    await expect(queue.run("user:1", async () => "third")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    expect(reasons).toEqual(["owner_share"]);
    const other = queue.run("user:2", async () => "other"); // waits in the queue: not refused
    g.open();
    await first;
    await expect(second).resolves.toBe("second");
    await expect(other).resolves.toBe("other");
    // Both shares are back: user:1 may again have two in flight, and no more.
    const h = gate();
    const again = [queue.run("user:1", h.work), queue.run("user:1", async () => "b")];
    await expect(queue.run("user:1", async () => "c")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    h.open();
    await Promise.all(again);
    expect(reasons).toEqual(["owner_share", "owner_share"]);

    // One finished of two: the owner still holds one, so one more is let in and no more.
    const [k, l] = [gate(), gate()];
    const held = [queue.run("user:1", k.work), queue.run("user:1", l.work)];
    k.open();
    await held[0];
    const m = gate();
    const third = queue.run("user:1", m.work);
    await expect(queue.run("user:1", async () => "d")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    l.open();
    m.open();
    await Promise.all([held[1], third]);
  });

  it("logs each refusal with its reason, and hands a freed slot to a live waiter, never a timed-out one", async () => {
    const records: unknown[] = [];
    const log = { warn: (o: object, msg: string) => records.push({ ...o, msg }) } as unknown as Logger;
    const queue = new HashQueue({ slots: 1, maxWaitMs: 50, maxQueue: 1, perOwner: 5 }, log);
    const a = gate();
    const first = queue.run(null, a.work);
    const late = queue.run(null, async () => "late"); // waits, then times out
    await expect(queue.run(null, async () => "x")).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    await expect(late).rejects.toSatisfy((e) => code(e)?.code === "RATE_LIMITED");
    const refusal = (reason: string) => ({ event: "hash_queue_refused", reason, msg: "password hashing busy" });
    expect(records).toEqual([refusal("queue_full"), refusal("wait_timeout")]);
    a.open();
    await first;
    // The slot is free, not handed to the waiter that gave up: this runs at once.
    await expect(queue.run(null, async () => "next")).resolves.toBe("next");

    // A waiter that gets the slot in time is not refused later by its own timer.
    const b = gate();
    const holder = queue.run(null, b.work);
    const waiter = queue.run(null, async () => "waited");
    b.open();
    await holder;
    await expect(waiter).resolves.toBe("waited");
    await new Promise((r) => setTimeout(r, 100));
    expect(records).toHaveLength(2);
  });

  it("frees the slot when the work throws", async () => {
    const queue = new HashQueue({ slots: 1, maxWaitMs: 0, maxQueue: 0, perOwner: 1 });
    await expect(queue.run("u", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(queue.run("u", async () => "ok")).resolves.toBe("ok");
  });
});
