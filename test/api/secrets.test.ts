// SESSION_SECRET: its format, and rotating it across restarts on the same data.
import { sealData, unsealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { parseSecrets } from "../../src/session/secrets.js";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS, createPersistentData } from "../helpers/database.js";

const OLD = "o".repeat(40);
const NEW = "n".repeat(40);
const ME = "{ me { username } }";
/** Three starts on the same on-disk data: slow on PGlite when the machine is busy. */
const RESTARTS = 300_000;

/** The secret id a seal names: `Fe26.2*<id>*…`. */
const sealedWith = (cookie: string | null) => cookie?.split("*")[1];

describe.each(BACKENDS)("SESSION_SECRET rotation across restarts (%s)", (backend) => {
  let shared: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const data = await createPersistentData(backend, "secret-rotation");
    shared = data.env;
    cleanup = data.drop;
  });
  afterAll(() => cleanup?.());

  /** Starts the app on the same data with `secret`, runs `body`, stops it. */
  async function withSecret<T>(secret: string, body: (app: TestApp) => Promise<T>): Promise<T> {
    const app = await createTestApp(backend, { ...shared, SESSION_SECRET: secret });
    try {
      return await body(app);
    } finally {
      await app.dispose();
    }
  }

  async function whoIs(app: TestApp, cookie: string | null): Promise<string | null> {
    const c = app.client();
    c.cookie = cookie;
    const res = await c.gql<{ me: { username: string } | null }>(ME);
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.me?.username ?? null;
  }

  it(
    "keeps older-secret cookies working while listed, seals with the newest, and drops them once removed",
    async () => {
      // 1. one secret, written bare (it has id 1)
      const [idle, busy] = await withSecret(OLD, async (app) => {
        const a = app.client();
        const b = app.client();
        await a.login(DEMO.harry.username, DEMO.harry.password);
        await b.login(DEMO.luna.username, DEMO.luna.password);
        expect([sealedWith(a.cookie), sealedWith(b.cookie)]).toEqual(["1", "1"]);
        return [a.cookie, b.cookie];
      });

      // 2. a new secret with a higher id is added in front; the old one stays listed
      const [fresh, renewed] = await withSecret(`2:${NEW},1:${OLD}`, async (app) => {
        expect(await whoIs(app, idle)).toBe("harry");
        const c = app.client();
        await c.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
        expect(sealedWith(c.cookie)).toBe("2");
        // an old cookie in use is re-sealed with the newest secret at its next renewal
        app.clock.advance(300);
        const b = app.client();
        b.cookie = busy;
        expect((await b.gql(ME)).body.data).toEqual({ me: { username: "luna" } });
        expect(b.cookie).not.toBe(busy);
        expect(sealedWith(b.cookie)).toBe("2");
        return [c.cookie, b.cookie];
      });

      // 3. the old secret is removed: its cookies are anonymous, never an error
      await withSecret(`2:${NEW}`, async (app) => {
        const c = app.client();
        c.cookie = idle;
        const res = await c.gql(ME);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ data: { me: null } });
        expect(c.lastSetCookie.some((l) => /^session=; Max-Age=0/.test(l))).toBe(true);
        expect(await whoIs(app, busy)).toBeNull();
        expect(await whoIs(app, fresh)).toBe("mcgonagall");
        expect(await whoIs(app, renewed)).toBe("luna");
      });
    },
    RESTARTS,
  );
});

describe("SESSION_SECRET format", () => {
  it("reads one bare secret as id 1 and a list as ID:SECRET pairs, ids compared as numbers", async () => {
    expect(parseSecrets(OLD)).toEqual({ 1: OLD });
    const map = parseSecrets(` 3:${NEW} , 007:${OLD} `);
    expect(map).toEqual({ 3: NEW, 7: OLD });
    const seal = await sealData({ a: 1 }, { password: map, ttl: 60 });
    expect(sealedWith(seal)).toBe("7");
    expect(await unsealData(seal, { password: { 7: OLD } })).toEqual({ a: 1 });
  });

  it("refuses short, empty, duplicate and mixed forms with a message that never shows a secret", () => {
    const short = "s".repeat(31);
    for (const raw of [short, `2:${NEW},1:${short}`, `1:${NEW},01:${OLD}`, `2:${NEW},${OLD}`, " , "]) {
      let error: unknown;
      try {
        parseSecrets(raw);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/^SESSION_SECRET /);
      expect(message).not.toContain(short);
      expect(message).not.toContain(NEW);
      expect(message).not.toContain(OLD);
    }
  });

  it("refuses a renew interval that is not shorter than the idle limit", () => {
    expect(() => loadConfig({ SESSION_IDLE_TIMEOUT: "300", SESSION_RENEW_INTERVAL: "300" })).toThrow(ConfigError);
    expect(loadConfig({ SESSION_IDLE_TIMEOUT: "300", SESSION_RENEW_INTERVAL: "299" }).session.renewInterval).toBe(299);
  });
});
