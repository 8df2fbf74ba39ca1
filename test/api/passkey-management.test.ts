// Managing passkeys: what a registration stores, a credential registered twice, removing one,
// and two sign-ins racing with copies of one counter value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { cookieJarClient, refusalsOf } from "../helpers/cookie-jar.js";
import { BACKENDS } from "../helpers/database.js";
import { SoftAuthenticator } from "../helpers/passkey.js";
import { createUser } from "../helpers/users.js";

const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";
const REGISTER_OPTIONS = "mutation { passkeyRegistrationOptions }";
const REGISTER = "mutation($r: JSON!) { registerPasskey(response: $r) { id name } }";
const LOGIN_OPTIONS = "mutation($u: String) { passkeyLoginOptions(username: $u) }";
const PASSKEY_LOGIN = "mutation($r: JSON!) { loginWithPasskey(response: $r) { username } }";
const REMOVE = "mutation($id: ID!) { removePasskey(id: $id) }";
const SECURITY = "{ me { security { passkeys { id } recentEvents(first: 1) { kind } } } }";

describe.each(BACKENDS)("passkey management (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  /** A new user signed in by password, and a function registering a passkey created with `tweak`. */
  async function signedIn(username: string) {
    const user = await createUser(app, username, "STUDENT", "SLYTHERIN");
    const gql = cookieJarClient(app);
    expect((await gql(LOGIN, { u: user.username, p: user.password })).errors).toBeUndefined();
    const authenticator = new SoftAuthenticator();
    const register = async (edit: (r: ReturnType<SoftAuthenticator["create"]>) => unknown = (r) => r, id?: Buffer) => {
      const options = (await gql(REGISTER_OPTIONS)).data?.passkeyRegistrationOptions as never;
      return gql(REGISTER, { r: edit(authenticator.create(options, { credentialId: id })) });
    };
    return { user, gql, authenticator, register };
  }

  /** The credentials passkeyLoginOptions names for `username`. */
  async function allowed(username: string): Promise<{ id: string; transports?: string[] }[]> {
    const options = (await cookieJarClient(app)(LOGIN_OPTIONS, { u: username })).data?.passkeyLoginOptions;
    return (options as { allowCredentials: { id: string; transports?: string[] }[] }).allowCredentials;
  }

  it("stores no transports when the browser names none", async () => {
    const { register } = await signedIn("millicent");
    const registered = await register(({ response: { transports: _, ...response }, ...rest }) => ({
      ...rest,
      response,
    }));
    expect(registered.errors).toBeUndefined();
    const [credential] = await allowed("millicent");
    expect(credential.transports ?? []).toEqual([]);
  });

  it("refuses a credential that is already registered", async () => {
    const { register, authenticator } = await signedIn("pansy");
    expect((await register()).errors).toBeUndefined();
    const again = await register((r) => r, authenticator.credentials[0]?.id);
    expect(refusalsOf(again)).toEqual([["BAD_USER_INPUT", "response", "this passkey is already registered"]]);
    expect(await allowed("pansy")).toHaveLength(1);
  });

  it("removes the caller's own passkey, once, and nobody else's", async () => {
    const owner = await signedIn("daphne");
    const registered = await owner.register();
    const id = (registered.data?.registerPasskey as { id?: string } | undefined)?.id as string;
    const other = await signedIn("tracey");
    expect(refusalsOf(await other.gql(REMOVE, { id }))).toEqual([["BAD_USER_INPUT", "id", "no such passkey"]]);
    expect(await allowed("daphne")).toHaveLength(1);
    const userId = Buffer.from(`User:${owner.user.id}`).toString("base64url");
    expect(refusalsOf(await owner.gql(REMOVE, { id: userId }))).toEqual([
      ["BAD_USER_INPUT", "id", "id is not a passkey id"],
    ]);

    expect(await owner.gql(REMOVE, { id })).toEqual({ data: { removePasskey: true } });
    expect(await allowed("daphne")).toEqual([]);
    expect((await owner.gql(SECURITY)).data).toEqual({
      me: { security: { passkeys: [], recentEvents: [{ kind: "PASSKEY_REMOVED" }] } },
    });
    expect(refusalsOf(await owner.gql(REMOVE, { id }))).toEqual([["BAD_USER_INPUT", "id", "no such passkey"]]);
  });

  it("lets one of two sign-ins with the same counter value in, and records the other as a counter failure", async () => {
    const { authenticator, register, gql } = await signedIn("gregory");
    expect((await register()).errors).toBeUndefined();
    const browsers = [cookieJarClient(app), cookieJarClient(app)];
    const options = await Promise.all(
      browsers.map(async (b) => (await b(LOGIN_OPTIONS, { u: "gregory" })).data?.passkeyLoginOptions as never),
    );
    // Two copies of one authenticator state: both report counter 1.
    const answers = options.map((o) => authenticator.get(o, { counter: 1 }));
    const results = await Promise.all(browsers.map((b, i) => b(PASSKEY_LOGIN, { r: answers[i] })));
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? "ok").sort();
    expect(codes).toEqual(["INVALID_CREDENTIALS", "ok"]);
    // Interleaved, the loser fails the conditional counter write (`hwk:counter`); run one after
    // the other (a busy machine, or PostgreSQL's pool), it fails the counter check of the
    // signature verification (`hwk:signature`). Either way it is a recorded failed sign-in.
    const events = await gql("{ me { security { recentEvents(first: 5) { kind detail } } } }");
    type Events = { me: { security: { recentEvents: { kind: string; detail: string }[] } } };
    const recent = (events.data as Events | undefined)?.me.security.recentEvents ?? [];
    const failures = recent.filter((e) => e.kind === "SIGN_IN_FAILED");
    expect(failures).toHaveLength(1);
    expect(failures[0].detail).toMatch(/^hwk:(counter|signature)$/);
  });

  it("names what is wrong with a registration, and takes the name trimmed, up to 64 characters", async () => {
    const { gql, authenticator } = await signedIn("marcus");
    const answer = async (name?: string) => {
      const options = (await gql(REGISTER_OPTIONS)).data?.passkeyRegistrationOptions as never;
      return gql("mutation($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { name } }", {
        r: authenticator.create(options),
        n: name,
      });
    };
    for (const name of ["   ", "n".repeat(65)]) {
      expect(refusalsOf(await answer(name))).toEqual([["BAD_USER_INPUT", "name", "name must be 1 to 64 characters"]]);
    }
    expect((await answer(`  ${"n".repeat(64)}  `)).data).toEqual({ registerPasskey: { name: "n".repeat(64) } });
    expect((await answer()).data).toEqual({ registerPasskey: { name: "Passkey" } });
    // No registration under way: the last one took its challenge.
    const stale = authenticator.create({ challenge: "AAAA", rp: { id: "localhost" }, user: { id: "AAAA" } });
    expect(refusalsOf(await gql(REGISTER, { r: stale }))).toEqual([
      [
        "BAD_USER_INPUT",
        "response",
        "no passkey registration is under way here (or it expired): call passkeyRegistrationOptions",
      ],
    ]);
    await gql(REGISTER_OPTIONS);
    expect(refusalsOf(await gql(REGISTER, { r: stale }))).toEqual([
      ["BAD_USER_INPUT", "response", "the passkey response did not verify"],
    ]);
  });

  it("keeps one challenge per browser, sweeps expired ones, and expires the cookie once it is used", async () => {
    const { authenticator, register } = await signedIn("adrian");
    expect((await register()).errors).toBeUndefined();
    const challenges = () => app.db.prisma.webAuthnChallenge.count();
    const before = await challenges();
    const b = cookieJarClient(app);
    await b(LOGIN_OPTIONS, { u: "adrian" });
    const options = (await b(LOGIN_OPTIONS, { u: "adrian" })).data?.passkeyLoginOptions as never;
    expect(await challenges()).toBe(before + 1);
    expect([...b.jar.keys()]).toEqual(["session-challenge"]);
    expect(await b(PASSKEY_LOGIN, { r: authenticator.get(options) })).toEqual({
      data: { loginWithPasskey: { username: "adrian" } },
    });
    expect(b.jar.has("session-challenge")).toBe(false);
    // A challenge left behind is swept when another is stored after it expired.
    await cookieJarClient(app)(LOGIN_OPTIONS, { u: "adrian" });
    const left = await challenges();
    app.clock.advance(301);
    await cookieJarClient(app)(LOGIN_OPTIONS, { u: "adrian" });
    expect(left).toBeGreaterThan(1);
    expect(await challenges()).toBe(1);
  });

  it("re-authenticates with a passkey alone, and names a passkey sent with a password", async () => {
    const { gql, authenticator, register } = await signedIn("graham");
    expect((await register()).errors).toBeUndefined();
    const STEP_UP = "mutation($p: String, $k: JSON) { reauthenticate(password: $p, passkey: $k) }";
    const options = (await gql(LOGIN_OPTIONS)).data?.passkeyLoginOptions as never;
    expect(refusalsOf(await gql(STEP_UP, { p: "graham-secret-password", k: {} }))).toEqual([
      ["BAD_USER_INPUT", "passkey", "send a passkey alone, without password or code"],
    ]);
    expect(await gql(STEP_UP, { k: authenticator.get(options) })).toEqual({ data: { reauthenticate: true } });
    expect((await gql("{ me { security { recentEvents(first: 1) { kind detail } } } }")).data).toEqual({
      me: { security: { recentEvents: [{ kind: "REAUTHENTICATED", detail: "hwk+user+mfa" }] } },
    });
  });
});
