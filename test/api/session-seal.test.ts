// What a sealed cookie proves: its session row must belong to its user, and an expired seal
// stays expired even after the server has opened it once.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createCookieCodec, type SessionPayload } from "../../src/session/cookie.js";
import { parseSecrets } from "../../src/session/secrets.js";
import { createTestApp, DEMO, SECRET, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const ME = "{ me { username } }";

/** Seals like the server does, with the server's real secret: what a leaked secret or a server bug could mint. */
const minter = createCookieCodec(
  loadConfig({ NODE_ENV: "test", SESSION_SECRET: SECRET, DATA_DIR: IN_MEMORY }).cookie,
  parseSecrets(SECRET),
);

describe.each(BACKENDS)("session seal (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend);
  });
  afterAll(() => app?.dispose());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function holding(cookie: string): TestClient {
    const c = app.client("replayer");
    c.cookie = cookie;
    return c;
  }

  async function whoIs(c: TestClient): Promise<string | null> {
    const res = await c.gql<{ me: { username: string } | null }>(ME);
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.me?.username ?? null;
  }

  /** Harry signs in; his session row and the payload his cookie carries. */
  async function harrysSession(): Promise<SessionPayload> {
    const harry = app.client();
    expect((await harry.login(DEMO.harry.username, DEMO.harry.password)).body.errors).toBeUndefined();
    const user = await app.db.prisma.user.findUniqueOrThrow({ where: { username: "harry" } });
    const row = await app.db.prisma.session.findFirstOrThrow({
      where: { userId: user.id },
      orderBy: { createdAt: "desc" },
    });
    const iat = Math.floor(row.createdAt.getTime() / 1000);
    return { v: 1, sid: row.id, uid: user.id, iat, rat: iat };
  }

  it("treats a validly sealed cookie naming another user's session as anonymous, and clears it", async () => {
    const session = await harrysSession();
    const luna = await app.db.prisma.user.findUniqueOrThrow({ where: { username: "luna" } });

    // The same seal naming the row's real owner signs in: the forgery below differs only in uid.
    expect(await whoIs(holding(await minter.seal(session, 3600)))).toBe("harry");

    const forged = holding(await minter.seal({ ...session, uid: luna.id }, 3600));
    expect(await whoIs(forged)).toBeNull();
    expect(forged.lastSetCookie.some((line) => /Max-Age=0/.test(line))).toBe(true);
    expect(forged.cookie).toBeNull();
  });

  it("treats a validly sealed cookie whose payload has the wrong shape as anonymous", async () => {
    const session = await harrysSession();
    expect(await whoIs(holding(await minter.seal(session, 3600)))).toBe("harry");
    const malformed: Record<string, unknown>[] = [
      { ...session, v: 2 }, // a future format this server cannot read
      { ...session, iat: session.iat + 0.5 }, // times are whole seconds
      { ...session, iat: String(session.iat) },
      { ...session, rat: session.rat + 0.5 },
      { ...session, sid: undefined },
      { ...session, uid: undefined },
      { ...session, k: "pending" }, // a pending sign-in's kind is never a session, whatever else it holds
    ];
    for (const payload of malformed) {
      const c = holding(await minter.seal(payload as unknown as SessionPayload, 3600));
      expect(await whoIs(c), JSON.stringify(payload)).toBeNull();
    }
  });

  it("treats a seal past its own expiry as anonymous, even one the server opened before", async () => {
    const session = await harrysSession();
    // Short-lived seals, as a renewal shortly before the absolute timeout makes: one the server
    // opens now (and keeps in its memo), one it first sees after the expiry.
    const seen = await minter.seal(session, 30);
    const unseen = await minter.seal(session, 30);
    expect(await whoIs(holding(seen))).toBe("harry");

    // 35 s later: past the seals' 30 s, though within the 60 s of clock skew iron itself would
    // grant. The session row is still well within its idle and absolute limits.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + 35_000);
    app.clock.advance(35);
    for (const value of [seen, unseen]) {
      const replay = holding(value);
      expect(await whoIs(replay)).toBeNull();
      expect(replay.lastSetCookie.some((line) => /Max-Age=0/.test(line))).toBe(true);
    }
  });
});
