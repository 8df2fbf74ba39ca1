// A genuine passkey (real ES256 signatures) answering another browser's challenge, or one past
// its 5 minutes, in each of the four ceremonies: refused with nothing changed, then accepted
// with its own challenge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { softwarePasskey } from "../helpers/authenticator.js";
import { BACKENDS } from "../helpers/database.js";
import {
  challengeOf,
  HOSTILE_PASSKEY_ENV,
  LOGIN,
  OPTIONS,
  REGISTER,
  REGISTER_OPTIONS,
  refusalRows,
  SECOND_STEP,
  STEP_UP,
  sendAs,
} from "../helpers/passkey-requests.js";
import { createUser } from "../helpers/users.js";

describe.each(BACKENDS)("a genuine passkey on foreign or expired challenges (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, HOSTILE_PASSKEY_ENV);
  });
  afterAll(() => app?.dispose());

  const send = (query: string, variables: Record<string, unknown>, cookie = "") =>
    sendAs(app, query, variables, cookie);
  const rows = () => refusalRows(app);

  it("refuses a genuine passkey answering another browser's challenge or one past 5 minutes in every ceremony, and takes it with its own", async () => {
    const { prisma } = app.db;
    const key = softwarePasskey("http://localhost:4000");
    const user = await createUser(app, "hostile_neville", "STUDENT", "GRYFFINDOR");
    const signIn = app.client();
    await signIn.login(user.username, user.password);
    let session = `session=${signIn.cookie}`;

    /** Sends an answer that must be refused with `code`, changing no session or passkey. */
    async function refused(query: string, variables: Record<string, unknown>, cookie: string, code: string) {
      const before = await rows();
      const res = await send(query, variables, cookie);
      expect(res.codes).toEqual([code]);
      expect(await rows()).toEqual(before);
      return res;
    }
    const registration = (res: { body: { data?: unknown } }) =>
      (res.body.data as { passkeyRegistrationOptions: { challenge: string } }).passkeyRegistrationOptions;
    const request = (res: { body: { data?: unknown } }) =>
      (res.body.data as { passkeyLoginOptions: { challenge: string } }).passkeyLoginOptions;

    // Registration: another browser's challenge, then an expired one, then its own.
    const mine = await send(REGISTER_OPTIONS, {}, session);
    const theirs = await send(REGISTER_OPTIONS, {}, session);
    await refused(
      REGISTER,
      { r: key.register(registration(mine)) },
      `${session}; ${challengeOf(theirs)}`,
      "BAD_USER_INPUT",
    );
    const late = await send(REGISTER_OPTIONS, {}, session);
    app.clock.advance(301);
    await refused(
      REGISTER,
      { r: key.register(registration(late)) },
      `${session}; ${challengeOf(late)}`,
      "BAD_USER_INPUT",
    );
    expect(await prisma.passkey.count({ where: { userId: user.id } })).toBe(0);
    const own = await send(REGISTER_OPTIONS, {}, session);
    const added = await send(REGISTER, { r: key.register(registration(own)) }, `${session}; ${challengeOf(own)}`);
    expect(added.codes).toEqual([]);
    session = added.set.find((c) => /^session=./.test(c)) as string; // registering renews the session's id

    // Passwordless sign-in.
    const a = await send(OPTIONS, {});
    const b = await send(OPTIONS, {});
    const foreign = await refused(LOGIN, { r: key.assert(request(a)) }, challengeOf(b), "INVALID_CREDENTIALS");
    expect(foreign.set).toEqual(["session-challenge="]); // no session cookie, the challenge spent
    const stale = await send(OPTIONS, {});
    app.clock.advance(301);
    await refused(LOGIN, { r: key.assert(request(stale)) }, challengeOf(stale), "INVALID_CREDENTIALS");
    const fresh = await send(OPTIONS, {});
    const signedIn = await send(LOGIN, { r: key.assert(request(fresh)) }, challengeOf(fresh));
    expect(signedIn.codes).toEqual([]);
    expect(signedIn.set.filter((c) => /^session=./.test(c))).toHaveLength(1);

    // The passkey step after a password (the pending sign-in is younger than the stale challenge).
    const staleStep = await send(OPTIONS, {});
    app.clock.advance(301);
    const pending = app.client();
    expect((await pending.login(user.username, user.password)).body.errors?.[0]?.extensions?.methods).toEqual([
      "PASSKEY",
    ]);
    const waiting = `session=${pending.cookie}`;
    const asked = await send(OPTIONS, {}, waiting);
    const other = await send(OPTIONS, {});
    await refused(
      SECOND_STEP,
      { k: key.assert(request(asked)) },
      `${waiting}; ${challengeOf(other)}`,
      "INVALID_CREDENTIALS",
    );
    await refused(
      SECOND_STEP,
      { k: key.assert(request(staleStep)) },
      `${waiting}; ${challengeOf(staleStep)}`,
      "INVALID_CREDENTIALS",
    );
    const step = await send(OPTIONS, {}, waiting);
    const stepped = await send(SECOND_STEP, { k: key.assert(request(step)) }, `${waiting}; ${challengeOf(step)}`);
    expect(stepped.body).toEqual({ data: { verifySecondFactor: { username: user.username } } });

    // Step-up of a signed-in session.
    const ours = await send(OPTIONS, {}, session);
    const someone = await send(OPTIONS, {});
    await refused(
      STEP_UP,
      { k: key.assert(request(ours)) },
      `${session}; ${challengeOf(someone)}`,
      "INVALID_CREDENTIALS",
    );
    const old = await send(OPTIONS, {}, session);
    app.clock.advance(301);
    await refused(STEP_UP, { k: key.assert(request(old)) }, `${session}; ${challengeOf(old)}`, "INVALID_CREDENTIALS");
    const now = await send(OPTIONS, {}, session);
    const renewed = await send(STEP_UP, { k: key.assert(request(now)) }, `${session}; ${challengeOf(now)}`);
    expect(renewed.body).toEqual({ data: { reauthenticate: true } });
  });
});
