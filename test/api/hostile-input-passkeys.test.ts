// Named hostile inputs for passkeys: oversize, misshapen and mistyped JSON, foreign and expired challenges.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
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
import { codeAt, enroll, VERIFY } from "../helpers/totp.js";
import { createUser } from "../helpers/users.js";

/** Over 16 KB, not an object, the wrong type, a non-base64url id: each refused before any check. */
const MISSHAPEN = (big: unknown) => [big, "a string", 42, [], { type: "public-key" }, { id: "not base64url!" }];

/** A well-formed assertion whose signature is garbage. */
const assertion = (id = "AAAA") => ({
  id,
  rawId: id,
  type: "public-key",
  clientExtensionResults: {},
  response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" },
});

describe.each(BACKENDS)("named hostile passkey inputs (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, HOSTILE_PASSKEY_ENV);
  });
  afterAll(() => app?.dispose());

  const send = (query: string, variables: Record<string, unknown>, cookie = "") =>
    sendAs(app, query, variables, cookie);

  async function state() {
    const { prisma } = app.db;
    return { passkeys: await prisma.passkey.count(), sessions: await prisma.session.count() };
  }

  /** Signs in harry by password; the Cookie header of his session. */
  async function harry(): Promise<string> {
    const c = app.client();
    await c.login(DEMO.harry.username, DEMO.harry.password);
    return `session=${c.cookie}`;
  }

  it("refuses a response over 16 KB as BAD_USER_INPUT before looking at it", async () => {
    const before = await state();
    const big = { ...assertion(), padding: "x".repeat(17_000) };
    const res = await send(LOGIN, { r: big });
    expect(res.codes).toEqual(["BAD_USER_INPUT"]);
    expect(res.body.errors?.[0]?.message).toBe("response must be at most 16384 bytes");
    expect(res.set).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it("refuses wrong shapes and types as BAD_USER_INPUT: strings, numbers, lists, missing or non-base64url fields", async () => {
    const before = await state();
    const { response: inner, ...outer } = assertion();
    for (const r of [
      "a string",
      42,
      [],
      [assertion()],
      {},
      { ...assertion(), type: "password" },
      { ...assertion(), id: "not base64url!" },
      { ...assertion(), rawId: "BBBB" },
      { ...assertion(), id: 7, rawId: 7 },
      outer,
      { ...outer, response: "e30" },
      { ...outer, response: { ...inner, signature: undefined } },
      { ...outer, response: { ...inner, clientDataJSON: { origin: "x" } } },
      { ...outer, response: { ...inner, userHandle: 12 } },
    ]) {
      const res = await send(LOGIN, { r });
      expect(res.codes, JSON.stringify(r).slice(0, 80)).toEqual(["BAD_USER_INPUT"]);
    }
    // 5000 nested lists, as raw JSON text: never a stack overflow on the server
    const deep = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"query":${JSON.stringify(LOGIN)},"variables":{"r":${"[".repeat(5000)}${"]".repeat(5000)}}}`,
    });
    expect(deep.status).toBeLessThan(500);
    const deepBody = (await deep.json()) as { errors: { extensions: { code: string } }[] };
    expect(deepBody.errors.map((e) => e.extensions.code)).toEqual(["BAD_USER_INPUT"]);
    expect(await state()).toEqual(before);
  });

  it("names what is wrong: a null required field is missing, and a null userHandle is no userHandle", async () => {
    const { response: inner, ...outer } = assertion();
    const missing = await send(LOGIN, { r: { ...outer, response: { ...inner, clientDataJSON: null } } });
    expect(missing.body.errors?.[0]?.message).toBe("response: clientDataJSON is required");
    const mistyped = await send(LOGIN, { r: { ...outer, response: { ...inner, signature: 7 } } });
    expect(mistyped.body.errors?.[0]?.message).toBe("response: signature must be a base64url string");
    const empty = await send(LOGIN, { r: { ...outer, response: { ...inner, signature: "" } } });
    expect(empty.body.errors?.[0]?.message).toBe("response: signature must be a base64url string");
    const differ = await send(LOGIN, { r: { ...assertion(), rawId: "BBBB" } });
    expect(differ.body.errors?.[0]?.message).toBe("response: id and rawId differ");
    const flat = await send(LOGIN, { r: { ...outer, response: "e30" } });
    expect(flat.body.errors?.[0]?.message).toBe("response: response must be an object");
    const text = await send(LOGIN, { r: "a string" });
    expect(text.body.errors?.[0]?.message).toBe("response must be the JSON object credential.toJSON() returns");
    // userHandle is optional: null passes the shape checks, and the credential itself is refused
    const noHandle = await send(LOGIN, { r: { ...outer, response: { ...inner, userHandle: null } } });
    expect(noHandle.codes).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("answers INVALID_CREDENTIALS for a well-formed assertion without a challenge cookie, or with another browser's", async () => {
    const before = await state();
    expect((await send(LOGIN, { r: assertion() })).codes).toEqual(["INVALID_CREDENTIALS"]);
    const mine = await send(OPTIONS, {});
    const [cookie] = mine.set;
    expect(cookie).toMatch(/^session-challenge=[A-Za-z0-9_-]{43}$/);
    const theirs = await send(OPTIONS, {});
    // Another browser's challenge cookie, and a forged one, are refused alike.
    expect((await send(LOGIN, { r: assertion() }, theirs.set[0])).codes).toEqual(["INVALID_CREDENTIALS"]);
    expect((await send(LOGIN, { r: assertion() }, `session-challenge=${"A".repeat(43)}`)).codes).toEqual([
      "INVALID_CREDENTIALS",
    ]);
    expect(await state()).toEqual(before);
  });

  it("spends a challenge on its first use, and refuses one older than 5 minutes", async () => {
    const { prisma } = app.db;
    const first = await send(OPTIONS, {});
    const rows = await prisma.webAuthnChallenge.count();
    const used = await send(LOGIN, { r: assertion() }, first.set[0]);
    expect(used.codes).toEqual(["INVALID_CREDENTIALS"]);
    expect(used.set).toEqual(["session-challenge="]); // the cookie is expired too
    expect(await prisma.webAuthnChallenge.count()).toBe(rows - 1);
    const late = await send(OPTIONS, {});
    app.clock.advance(301);
    expect((await send(LOGIN, { r: assertion() }, late.set[0])).codes).toEqual(["INVALID_CREDENTIALS"]);
  });

  it("refuses passkeyLoginOptions for an empty, 65-character or NUL-holding username", async () => {
    for (const u of ["", "x".repeat(65), "\u0000", "har\u0000ry"])
      expect((await send(OPTIONS, { u })).codes).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses a registration without its own challenge, a misshapen one, a long name, and a foreign passkey id", async () => {
    const session = await harry();
    const before = await state();
    const registration = {
      id: "AAAA",
      rawId: "AAAA",
      type: "public-key",
      response: { clientDataJSON: "e30", attestationObject: "o2Nm", transports: ["internal"] },
    };
    // no passkeyRegistrationOptions first
    expect((await send(REGISTER, { r: registration }, session)).codes).toEqual(["BAD_USER_INPUT"]);
    const options = await send(REGISTER_OPTIONS, {}, session);
    expect(options.codes).toEqual([]);
    const both = `${session}; ${options.set.find((c) => c.startsWith("session-challenge="))}`;
    // an assertion challenge is not a registration challenge
    const assertOnly = `${session}; ${(await send(OPTIONS, {})).set[0]}`;
    expect((await send(REGISTER, { r: registration }, assertOnly)).codes).toEqual(["BAD_USER_INPUT"]);
    for (const r of [{ ...registration, response: { ...registration.response, transports: ["usb", 7] } }, 5]) {
      expect((await send(REGISTER, { r }, both)).codes).toEqual(["BAD_USER_INPUT"]);
    }
    const withTransports = (transports: unknown) => ({
      ...registration,
      response: { ...registration.response, transports },
    });
    for (const transports of [["usb", 7], ["teleport"], ["usb", "teleport"], "usb", 7]) {
      const res = await send(REGISTER, { r: withTransports(transports) }, both);
      expect(res.body.errors?.[0]?.message, JSON.stringify(transports)).toBe(
        "response: transports must be a list of known transports",
      );
    }
    // known transports pass the shape check; the fake attestation is what is refused then
    const known = await send(REGISTER, { r: withTransports(["usb", "internal", "hybrid"]) }, both);
    expect(known.body.errors?.[0]?.message).not.toMatch(/transports/);
    expect((await send(REGISTER, { r: registration, n: "n".repeat(65) }, both)).codes).toEqual(["BAD_USER_INPUT"]);
    // well-formed but not a real attestation
    expect((await send(REGISTER, { r: registration }, both)).codes).toEqual(["BAD_USER_INPUT"]);
    for (const id of ["nope", "UGFzc2tleTpub3QtYS11dWlk", "U2Vzc2lvbjox"]) {
      expect((await send("mutation($id: ID!) { removePasskey(id: $id) }", { id }, session)).codes).toEqual([
        "BAD_USER_INPUT",
      ]);
    }
    expect(await state()).toEqual(before);
  });

  it("refuses a code and a passkey together, and a passkey with a password in reauthenticate", async () => {
    const session = await harry();
    const before = await state();
    const reauth = "mutation($p: String, $k: JSON) { reauthenticate(password: $p, passkey: $k) }";
    expect((await send(reauth, { p: DEMO.harry.password, k: assertion() }, session)).codes).toEqual(["BAD_USER_INPUT"]);
    const verify = "mutation($c: String, $k: JSON) { verifySecondFactor(code: $c, passkey: $k) { id } }";
    expect((await send(verify, { c: "123456", k: assertion() })).codes).toEqual(["BAD_USER_INPUT"]);
    expect(await state()).toEqual(before);
  });

  const rows = () => refusalRows(app);

  it("refuses registerPasskey, verifySecondFactor and reauthenticate JSON over 16 KB or misshapen as BAD_USER_INPUT, spending neither the challenge nor the pending sign-in", async () => {
    const { prisma } = app.db;
    const big = { ...assertion(), padding: "x".repeat(17_000) };
    const session = await harry();
    const options = await send(REGISTER_OPTIONS, {}, session);
    const registering = `${session}; ${challengeOf(options)}`;
    const before = { ...(await rows()), challenges: await prisma.webAuthnChallenge.count() };
    for (const r of MISSHAPEN(big)) {
      expect((await send(REGISTER, { r }, registering)).codes, JSON.stringify(r).slice(0, 60)).toEqual([
        "BAD_USER_INPUT",
      ]);
    }
    expect((await send(REGISTER, { r: big }, registering)).body.errors?.[0]?.message).toBe(
      "response must be at most 16384 bytes",
    );
    for (const k of MISSHAPEN(big)) {
      expect((await send(STEP_UP, { k }, registering)).codes, JSON.stringify(k).slice(0, 60)).toEqual([
        "BAD_USER_INPUT",
      ]);
    }
    expect({ ...(await rows()), challenges: await prisma.webAuthnChallenge.count() }).toEqual(before);

    // A pending sign-in survives every misshapen passkey and then takes the right code.
    const user = await createUser(app, "hostile_ginny", "STUDENT", "GRYFFINDOR");
    const enrolling = app.client();
    await enrolling.login(user.username, user.password);
    const { secret } = await enroll(app, enrolling);
    const pending = app.client();
    await pending.login(user.username, user.password);
    for (const k of MISSHAPEN(big)) {
      const res = await send(SECOND_STEP, { k }, `session=${pending.cookie}`);
      expect(res.codes, JSON.stringify(k).slice(0, 60)).toEqual(["BAD_USER_INPUT"]);
    }
    const finished = await pending.gql(VERIFY, { c: codeAt(secret, app.clock.now) });
    expect(finished.body).toEqual({ data: { verifySecondFactor: { username: user.username } } });
  });
});
