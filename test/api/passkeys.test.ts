// Passkey ceremonies end to end through yoga.fetch with a software authenticator: the options a
// browser is given, registration, sign-in, and every assertion that must not verify.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { SoftAuthenticator, type Tweaks, UP } from "../helpers/passkey.js";
import { createUser, type NewUser } from "../helpers/users.js";

const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const REGISTER_OPTIONS = "mutation { passkeyRegistrationOptions }";
const REGISTER = "mutation($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { name } }";
const LOGIN_OPTIONS = "mutation($u: String) { passkeyLoginOptions(username: $u) }";
const PASSKEY_LOGIN = "mutation($r: JSON!) { loginWithPasskey(response: $r) { username } }";
const ME = "{ me { username } }";

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A browser's cookie jar for this app: the session cookie and the challenge cookie alike. */
function browser(app: TestApp) {
  const jar = new Map<string, string>();
  return {
    jar,
    /** `planted`: more cookies the request carries, as a sibling subdomain could set them. */
    async gql(query: string, variables: Record<string, unknown> = {}, planted = ""): Promise<Answer> {
      const cookie = [...[...jar].map(([k, v]) => `${k}=${v}`), ...(planted ? [planted] : [])].join("; ");
      const response = await app.yoga.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = pair.indexOf("=");
        const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (/Max-Age=0/i.test(line) || value === "") jar.delete(name);
        else jar.set(name, value);
      }
      return (await response.json()) as Answer;
    },
  };
}

const codes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code);

describe.each(BACKENDS)("passkeys with a software authenticator (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  /** The RFC 8176 methods the browser's current session was authenticated by. */
  async function methodsOf(b: ReturnType<typeof browser>): Promise<unknown> {
    const sessions = (await b.gql("{ mySessions { current methods } }")).data?.mySessions as {
      current: boolean;
      methods: string[];
    }[];
    return sessions.find((s) => s.current)?.methods;
  }

  /** A new user signed in by password in a new browser, with a passkey registered. */
  async function withPasskey(username: string) {
    const user = await createUser(app, username, "STUDENT", "RAVENCLAW");
    const b = browser(app);
    expect((await b.gql(LOGIN, { u: user.username, p: user.password })).errors).toBeUndefined();
    const authenticator = new SoftAuthenticator();
    const options = (await b.gql(REGISTER_OPTIONS)).data?.passkeyRegistrationOptions as never;
    const registered = await b.gql(REGISTER, { r: authenticator.create(options), n: "Laptop" });
    expect(registered).toEqual({ data: { registerPasskey: { name: "Laptop" } } });
    // The session that added it has now proved the password and the passkey.
    expect(await methodsOf(b)).toEqual(["pwd", "hwk", "user", "mfa"]);
    return { user, browser: b, authenticator };
  }

  /** Asks for login options in a fresh browser, answers them, and signs in with the answer. */
  async function signIn(user: NewUser | null, authenticator: SoftAuthenticator, tweaks: Tweaks = {}) {
    const b = browser(app);
    const options = (await b.gql(LOGIN_OPTIONS, { u: user?.username ?? null })).data?.passkeyLoginOptions as never;
    const answer = await b.gql(PASSKEY_LOGIN, { r: authenticator.get(options, tweaks) });
    return { answer, browser: b };
  }

  it("hands the browser creation options that ask for user verification, ES256 or RS256, and none of the user's own keys", async () => {
    const { user, browser: b, authenticator } = await withPasskey("padma");
    const options = (await b.gql(REGISTER_OPTIONS)).data?.passkeyRegistrationOptions as Record<string, unknown>;
    expect(options).toMatchObject({
      rp: { name: "Hogwarts", id: "localhost" },
      user: { id: Buffer.from(user.id).toString("base64url"), name: "padma", displayName: "padma" },
      timeout: 300_000,
      attestation: "none",
      authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
      pubKeyCredParams: [
        { alg: -7, type: "public-key" },
        { alg: -257, type: "public-key" },
      ],
      excludeCredentials: [
        { id: authenticator.credentials[0]?.id.toString("base64url"), type: "public-key", transports: ["internal"] },
      ],
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("signs in with the passkey alone, and names the user's keys in request options", async () => {
    const { user, authenticator } = await withPasskey("terry");
    const b = browser(app);
    const options = (await b.gql(LOGIN_OPTIONS, { u: "terry" })).data?.passkeyLoginOptions;
    expect(options).toMatchObject({
      rpId: "localhost",
      timeout: 300_000,
      userVerification: "required",
      allowCredentials: [
        { id: authenticator.credentials[0]?.id.toString("base64url"), type: "public-key", transports: ["internal"] },
      ],
    });
    expect(await b.gql(PASSKEY_LOGIN, { r: authenticator.get(options as never) })).toEqual({
      data: { loginWithPasskey: { username: "terry" } },
    });
    expect(await b.gql(ME)).toEqual({ data: { me: { username: "terry" } } });
    // A passkey alone is a multi-factor sign-in (RFC 8176: hardware key, user verification)...
    const events = await b.gql("{ me { security { recentEvents(first: 1) { kind detail } } } }");
    expect(events.data).toEqual({ me: { security: { recentEvents: [{ kind: "SIGN_IN", detail: "hwk+user+mfa" }] } } });
    expect(await methodsOf(b)).toEqual(["hwk", "user", "mfa"]);
    // ...recent enough to add another factor, which needs the second factor of an enrolled account.
    expect((await b.gql(REGISTER_OPTIONS)).errors).toBeUndefined();
    // Discoverable: no username, and an authenticator that names no user handle.
    const again = await signIn(null, authenticator, { userHandle: null });
    expect(again.answer).toEqual({ data: { loginWithPasskey: { username: user.username } } });
  });

  it("takes the passkey as the second step after the password", async () => {
    const { user, authenticator } = await withPasskey("cho");
    const b = browser(app);
    const login = await b.gql(LOGIN, { u: user.username, p: user.password });
    expect(codes(login)).toEqual(["SECOND_FACTOR_REQUIRED"]);
    expect(login.errors?.[0]?.extensions).toMatchObject({ methods: ["PASSKEY"] });
    // Options without a username name the pending user's passkeys.
    const options = (await b.gql(LOGIN_OPTIONS)).data?.passkeyLoginOptions as { allowCredentials: { id: string }[] };
    expect(options.allowCredentials.map((c) => c.id)).toEqual([authenticator.credentials[0]?.id.toString("base64url")]);
    const verify = "mutation($k: JSON) { verifySecondFactor(passkey: $k) { username } }";
    expect(await b.gql(verify, { k: authenticator.get(options as never) })).toEqual({
      data: { verifySecondFactor: { username: "cho" } },
    });
    expect(await methodsOf(b)).toEqual(["pwd", "hwk", "user", "mfa"]);
    const events = await b.gql("{ me { security { recentEvents(first: 1) { kind detail } } } }");
    expect(events.data).toEqual({ me: { security: { recentEvents: [{ kind: "SIGN_IN", detail: "pwd+hwk" }] } } });
  });

  it("believes neither of two challenge cookies, and spends neither", async () => {
    const { user, authenticator } = await withPasskey("marietta");
    const b = browser(app);
    const options = (await b.gql(LOGIN_OPTIONS, { u: user.username })).data?.passkeyLoginOptions as never;
    const answer = authenticator.get(options);
    const planted = `session-challenge=${"A".repeat(43)}`;
    expect(codes(await b.gql(PASSKEY_LOGIN, { r: answer }, planted))).toEqual(["INVALID_CREDENTIALS"]);
    expect(b.jar.has("session")).toBe(false);
    // The browser's own challenge is still there for its own answer.
    expect(await b.gql(PASSKEY_LOGIN, { r: authenticator.get(options) })).toEqual({
      data: { loginWithPasskey: { username: "marietta" } },
    });
  });

  it("refuses assertions from another origin, for another site, without user verification, replayed, or naming another user", async () => {
    const { user, authenticator } = await withPasskey("michael");
    const sessions = () => app.db.prisma.session.count({ where: { userId: user.id } });
    expect((await signIn(user, authenticator)).answer).toEqual({ data: { loginWithPasskey: { username: "michael" } } });
    const stored = authenticator.credentials[0]?.counter as number;
    const before = await sessions();
    for (const tweaks of [
      { origin: "https://evil.example" },
      { rpId: "evil.example" },
      { flags: UP },
      { type: "webauthn.create" },
      { challenge: "A".repeat(43) },
      { userHandle: Buffer.from("someone-else").toString("base64url") },
    ] satisfies Tweaks[]) {
      const { answer, browser: b } = await signIn(user, authenticator, tweaks);
      expect(codes(answer), JSON.stringify(tweaks)).toEqual(["INVALID_CREDENTIALS"]);
      expect(b.jar.has("session")).toBe(false);
    }
    // A signature counter that does not move on past the last sign-in's is a cloned authenticator.
    expect(codes((await signIn(user, authenticator, { counter: stored })).answer)).toEqual(["INVALID_CREDENTIALS"]);
    expect(await sessions()).toBe(before);
    expect((await signIn(user, authenticator)).answer).toEqual({ data: { loginWithPasskey: { username: "michael" } } });
  });

  it("refuses a registration from another origin, for another site, without user verification or with another algorithm", async () => {
    const user = await createUser(app, "anthony", "STUDENT", "RAVENCLAW");
    const b = browser(app);
    await b.gql(LOGIN, { u: user.username, p: user.password });
    const authenticator = new SoftAuthenticator();
    for (const tweaks of [
      { origin: "https://evil.example" },
      { rpId: "evil.example" },
      { flags: UP },
      { alg: -36 },
      { type: "webauthn.get" },
    ] satisfies Tweaks[]) {
      const options = (await b.gql(REGISTER_OPTIONS)).data?.passkeyRegistrationOptions as never;
      const answer = await b.gql(REGISTER, { r: authenticator.create(options, tweaks) });
      expect(codes(answer), JSON.stringify(tweaks)).toEqual(["BAD_USER_INPUT"]);
      expect(answer.errors?.[0]?.message).toBe("the passkey response did not verify");
    }
    expect(await app.db.prisma.passkey.count({ where: { userId: user.id } })).toBe(0);
  });
});
