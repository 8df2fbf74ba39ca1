// Login throttling in process: per username, per address, aliases, batches, bursts, proxies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { LOGIN, loginFrom, raw } from "../helpers/http.js";

const LIMITS = { LOGIN_MAX_FAILURES_PER_USER: "3", LOGIN_MAX_FAILURES_PER_ADDRESS: "8", LOGIN_THROTTLE_WINDOW: "600" };

describe.each(BACKENDS)("login throttling in process (%s)", (backend) => {
  let app: TestApp;
  let n = 0;
  /** A fresh client address per test, so that tests do not share the address counter. */
  const addr = () => `198.51.100.${++n}`;
  const sessions = () => app.db.prisma.session.count();

  beforeAll(async () => {
    app = await createTestApp(backend, LIMITS);
  });
  afterAll(() => app?.dispose());

  it("refuses even the right password with RATE_LIMITED and retryAfter once a username has 3 failures", async () => {
    const a = addr();
    for (let i = 0; i < 3; i++) {
      expect(codes(await loginFrom(app, a, "harry", `wrong-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
    }
    const before = await sessions();
    // from another address too: the username itself is locked
    const res = await loginFrom(app, addr(), "harry", DEMO.harry.password);
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
    const retryAfter = res.body.errors?.[0].extensions?.retryAfter;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(res.body.data).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await sessions()).toBe(before);
    // the window passes: the right password works again
    app.clock.advance(601);
    expect(codes(await loginFrom(app, addr(), "harry", DEMO.harry.password))).toEqual([]);
  });

  it("resets a username's failures on a successful login", async () => {
    const a = addr();
    for (const round of [1, 2, 3]) {
      for (let i = 0; i < 2; i++)
        expect(codes(await loginFrom(app, a, "luna", `wrong-${round}-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
      // 2 + 2 + 2 failures in all: without the reset the third round would be refused
      expect(codes(await loginFrom(app, a, "luna", DEMO.luna.password))).toEqual([]);
    }
  });

  it("locks unknown usernames the same way, so the lockout reveals nothing", async () => {
    const a = addr();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(codes(await loginFrom(app, a, "nobody-here", `wrong-${i}`)));
    expect(answers).toEqual([
      ["INVALID_CREDENTIALS"],
      ["INVALID_CREDENTIALS"],
      ["INVALID_CREDENTIALS"],
      ["RATE_LIMITED"],
    ]);
  });

  it("limits failures per address across usernames, for the right password too", async () => {
    const a = addr();
    for (let i = 0; i < 8; i++) {
      expect(codes(await loginFrom(app, a, `spray-${i}`, "Password1!"))).toEqual(["INVALID_CREDENTIALS"]);
    }
    expect(codes(await loginFrom(app, a, "mcgonagall", DEMO.mcgonagall.password))).toEqual(["RATE_LIMITED"]);
    // another address is not affected
    expect(codes(await loginFrom(app, addr(), "mcgonagall", DEMO.mcgonagall.password))).toEqual([]);
  });

  it("rejects aliased logins before execution: nothing is counted and no session starts", async () => {
    const a = addr();
    const aliases = Array.from(
      { length: 10 },
      (_, i) => `a${i}: login(username: "harry", password: "guess-${i}") { id }`,
    );
    const before = await sessions();
    for (let i = 0; i < 5; i++) {
      const res = await raw(app, { query: `mutation { ${aliases.join(" ")} }` }, { address: a });
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0].message).toBe("A request may call login only once.");
      expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    }
    // a fragment plus a field, and two operations in one document, are refused the same way
    const fragment = `mutation { ...F b: login(username: "harry", password: "x") { id } } fragment F on Mutation { login(username: "harry", password: "y") { id } }`;
    const twoOps = `mutation A { login(username: "harry", password: "x") { id } } mutation B { login(username: "harry", password: "y") { id } }`;
    for (const body of [{ query: fragment }, { query: twoOps, operationName: "A" }]) {
      const res = await raw(app, body, { address: a });
      expect(res.body.errors?.map((e) => e.message)).toContain("A request may call login only once.");
      expect(res.body.data).toBeUndefined();
    }
    expect(await sessions()).toBe(before);
    // none of the 50+ guesses counted: harry still has his 3 attempts
    for (let i = 0; i < 2; i++)
      expect(codes(await loginFrom(app, a, "harry", `wrong-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await loginFrom(app, a, "harry", DEMO.harry.password))).toEqual([]);
  });

  it("refuses a batched JSON array of logins without running any of them", async () => {
    const a = addr();
    const batch = Array.from({ length: 20 }, (_, i) => ({ query: LOGIN, variables: { u: "luna", p: `guess-${i}` } }));
    const res = await raw(app, batch, { address: a });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].message).toBe("Batching is not supported.");
    for (let i = 0; i < 3; i++)
      expect(codes(await loginFrom(app, a, "luna", `wrong-${i}`))).toEqual(["INVALID_CREDENTIALS"]);
    expect(codes(await loginFrom(app, a, "luna", DEMO.luna.password))).toEqual(["RATE_LIMITED"]);
    app.clock.advance(601);
  });

  it("counts a burst of 20 concurrent guesses: at most 3 are checked, the rest are RATE_LIMITED", async () => {
    const a = addr();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => loginFrom(app, a, "luna", `burst-${i}`)));
    const tally = answers.map((r) => codes(r)[0]);
    expect(tally.filter((c) => c === "INVALID_CREDENTIALS")).toHaveLength(3);
    expect(tally.filter((c) => c === "RATE_LIMITED")).toHaveLength(17);
    app.clock.advance(601);
  });

  it("ignores X-Forwarded-For by default: a forged header does not escape the address limit", async () => {
    const a = addr();
    for (let i = 0; i < 8; i++) {
      const forged = { "x-forwarded-for": `10.0.${i}.1` };
      expect(codes(await loginFrom(app, a, `forged-${i}`, "Password1!", forged))).toEqual(["INVALID_CREDENTIALS"]);
    }
    const res = await loginFrom(app, a, "harry", DEMO.harry.password, { "x-forwarded-for": "10.9.9.9" });
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
  });
});

describe("client address behind a trusted proxy (TRUST_PROXY=1)", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite", { ...LIMITS, TRUST_PROXY: "1" });
  });
  afterAll(() => app?.dispose());

  it("counts the address the proxy appended, not what the client wrote before it", async () => {
    const proxy = "10.0.0.2";
    for (let i = 0; i < 8; i++) {
      // the attacker varies the left part; the proxy appends the real peer 203.0.113.7
      const headers = { "x-forwarded-for": `192.0.2.${i}, 203.0.113.7` };
      expect(codes(await loginFrom(app, proxy, `proxied-${i}`, "Password1!", headers))).toEqual([
        "INVALID_CREDENTIALS",
      ]);
    }
    const locked = await loginFrom(app, proxy, "harry", DEMO.harry.password, { "x-forwarded-for": "203.0.113.7" });
    expect(codes(locked)).toEqual(["RATE_LIMITED"]);
    // a different real client behind the same proxy is not locked out
    const other = await loginFrom(app, proxy, "harry", DEMO.harry.password, { "x-forwarded-for": "203.0.113.8" });
    expect(codes(other)).toEqual([]);
  });

  it("counts an IPv6 client per /64, so rotating the interface id does not help", async () => {
    const proxy = "10.0.0.2";
    for (let i = 0; i < 8; i++) {
      const headers = { "x-forwarded-for": `2001:db8:1:2:${i}::${i + 1}` };
      expect(codes(await loginFrom(app, proxy, `six-${i}`, "Password1!", headers))).toEqual(["INVALID_CREDENTIALS"]);
    }
    const res = await loginFrom(app, proxy, "luna", DEMO.luna.password, { "x-forwarded-for": "2001:db8:1:2::ffff" });
    expect(codes(res)).toEqual(["RATE_LIMITED"]);
  });
});
