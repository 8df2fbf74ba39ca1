// A flood of new usernames cannot push a limiting counter out of the bounded in-process store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginThrottle } from "../../src/auth/throttle.js";
import { createMemoryStore } from "../../src/auth/throttle-memory.js";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { loginFrom } from "../helpers/http.js";

/** The code an attempt ends with: "ok" when let through, else the error's code. */
async function outcome(throttle: LoginThrottle, username: string, address: string): Promise<string> {
  try {
    await throttle.attempt(username, address);
    return "ok";
  } catch (e) {
    return String((e as { extensions?: { code?: string } }).extensions?.code);
  }
}

describe("in-process throttle under a username flood, through the app (100 counters)", () => {
  const MAX_KEYS = 100;
  const PROXY = "10.0.0.2";
  let app: TestApp;
  /** One `login` from `address` as the trusted proxy reports it. */
  const from = (address: string, username: string, password: string) =>
    loginFrom(app, PROXY, username, password, { "x-forwarded-for": address });

  beforeAll(async () => {
    app = await createTestApp("pglite", {
      TRUST_PROXY: "1",
      LOGIN_THROTTLE_MAX_KEYS: String(MAX_KEYS),
      LOGIN_MAX_FAILURES_PER_USER: "5",
      LOGIN_MAX_FAILURES_PER_ADDRESS: "10",
      LOGIN_THROTTLE_WINDOW: "600",
      HASH_QUEUE_WAIT_MS: "60000", // this suite counts the throttle's answers, not hashing slots
    });
  });
  afterAll(() => app?.dispose());

  it("keeps a locked account and the flooding addresses limited", async () => {
    const attacker = "203.0.113.1";
    for (let i = 0; i < 5; i++) {
      expect(codes(await from(attacker, "harry", `wrong-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
    }
    // the same address: 5 more are checked, then it is limited and adds no username counters
    const same: unknown[] = [];
    for (let i = 0; i < MAX_KEYS + 50; i++) same.push(codes(await from(attacker, `flood-a-${i}`, "Password1!"))[0]);
    expect(same.slice(0, 5)).toEqual(Array(5).fill("INVALID_CREDENTIALS"));
    expect(same.slice(5)).toEqual(Array(MAX_KEYS + 45).fill("RATE_LIMITED"));
    // 15 other addresses, 10 new usernames each (all checked), then one more each (limited)
    const others = Array.from({ length: 15 }, (_, i) => `198.51.100.${i + 1}`);
    const checked = await Promise.all(
      others.map(async (address) => {
        const answers: unknown[] = [];
        for (let i = 0; i < 10; i++) answers.push(codes(await from(address, `flood-${address}-${i}`, "Password1!"))[0]);
        return answers;
      }),
    );
    expect(checked.flat()).toEqual(Array(150).fill("INVALID_CREDENTIALS"));
    for (const address of others) {
      expect(codes(await from(address, `flood-${address}-more`, "Password1!"))).toEqual(["RATE_LIMITED"]);
    }
    // the locked account stays locked for its right password, from a fresh address
    const locked = await from("192.0.2.200", "harry", DEMO.harry.password);
    expect(codes(locked)).toEqual(["RATE_LIMITED"]);
    expect(locked.headers.getSetCookie()).toEqual([]);
    // the flooding address stays limited, for a real account's right password too
    expect(codes(await from(attacker, "luna", DEMO.luna.password))).toEqual(["RATE_LIMITED"]);
    // and an innocent user elsewhere still signs in: room was made from counters below their limit
    expect(codes(await from("192.0.2.201", "luna", DEMO.luna.password))).toEqual([]);
  });
});

describe("in-process counter store at its real bound (100,000 counters)", () => {
  const limits = { maxPerUser: 5, maxPerAddress: 50, window: 900 };

  it("keeps a locked username and limited addresses through 100,050 new usernames", async () => {
    const clock = { now: 1_000_000 };
    const throttle = new LoginThrottle(
      createMemoryStore(() => clock.now),
      limits,
    );
    for (let i = 0; i < 5; i++) expect(await outcome(throttle, "harry", "203.0.113.1")).toBe("ok");
    expect(await outcome(throttle, "harry", "203.0.113.9")).toBe("RATE_LIMITED");
    // from the same address: 45 more let through, then limited
    const same = { ok: 0, limited: 0 };
    for (let i = 0; i < 100_050; i++) {
      const o = await outcome(throttle, `same-${i}`, "203.0.113.1");
      if (o === "ok") same.ok++;
      else same.limited++;
    }
    expect(same).toEqual({ ok: 45, limited: 100_005 });
    // from 2,001 other addresses, 50 new usernames each: every one is a new counter
    let ok = 0;
    for (let i = 0; i < 100_050; i++) {
      const address = `10.${(i / 50) >> 8}.${(i / 50) & 255}.1`;
      if ((await outcome(throttle, `other-${i}`, address)) === "ok") ok++;
    }
    expect(ok).toBe(100_050);
    expect(await outcome(throttle, "harry", "192.0.2.1")).toBe("RATE_LIMITED");
    expect(await outcome(throttle, "fresh-name", "203.0.113.1")).toBe("RATE_LIMITED");
    expect(await outcome(throttle, "fresh-name", "10.0.0.1")).toBe("RATE_LIMITED");
    expect(await outcome(throttle, "fresh-name", "10.7.208.1")).toBe("RATE_LIMITED");
    // an address of nobody's flood still gets through
    expect(await outcome(throttle, "luna", "192.0.2.2")).toBe("ok");
    // the window passes: everyone is free again
    clock.now += 901;
    expect(await outcome(throttle, "harry", "203.0.113.1")).toBe("ok");
    await throttle.close();
  });

  it("refuses a new key when every counter is limiting (fail closed), until the earliest expires", async () => {
    const clock = { now: 1_000_000 };
    const store = createMemoryStore(() => clock.now, 100);
    for (let i = 0; i < 100; i++) {
      expect(await store.hit(`k${i}`, 600, 1)).toEqual({ count: 1, ttl: 600 });
      clock.now += 1;
    }
    const refused = await store.hit("new", 600, 5);
    expect(refused.count).toBeGreaterThan(5);
    expect(refused.ttl).toBe(500); // k0 expires at 1,000,600; the clock is at 1,000,100
    expect((await store.hit("k50", 600, 1)).count).toBe(2); // existing keys still count
    clock.now += 500;
    expect(await store.hit("new", 600, 5)).toEqual({ count: 1, ttl: 600 });
    await store.close();
  });
});
