// The README's urql recipe (examples/two-step/urql.ts) against the running server: the second
// factor at sign-in and re-authentication before a sensitive change, through the exchange.
import { setTimeout as delay } from "node:timers/promises";
import { Client, cacheExchange, fetchExchange, type OperationResult } from "@urql/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LoginDocument,
  LogoutEverywhereDocument,
  MeDocument,
  MySessionsDocument,
  RevokeSessionDocument,
} from "../../examples/operations/index.js";
import type { TwoStepPrompts } from "../../examples/two-step/prompts.js";
import { twoStepExchange } from "../../examples/two-step/urql.js";
import { BACKENDS } from "../helpers/database.js";
import { cookieFetch, type ServedApp, serveTestApp } from "../helpers/server.js";
import {
  credentials,
  REAUTH_MAX_AGE,
  recordingOperations,
  scriptedPrompts,
  signedIn,
  totpUser,
  wrongCode,
} from "../helpers/two-step.js";

/** A urql client as the README sets it up: the two-step exchange first, queries as POST, a cookie jar. */
function createClient(
  url: string,
  prompts: TwoStepPrompts,
  sent: string[],
  answered?: (operationName: string) => void,
): Client {
  return new Client({
    url,
    fetch: recordingOperations(cookieFetch().fetch, sent, answered),
    preferGetMethod: false,
    fetchOptions: { credentials: "include" },
    requestPolicy: "network-only",
    exchanges: [twoStepExchange(prompts), cacheExchange, fetchExchange],
  });
}

/** The `extensions.code` of each GraphQL error of a result. */
function errorCodes(result: OperationResult): unknown[] {
  return (result.error?.graphQLErrors ?? []).map((e) => e.extensions?.code);
}

describe.each(BACKENDS)("urql two-step exchange (%s)", (backend) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveTestApp(backend, { REAUTH_MAX_AGE: String(REAUTH_MAX_AGE) });
  });
  afterAll(() => served?.close());

  it("finishes a sign-in with the code the prompt gives, then re-authenticates once for revocations and logoutEverywhere", async () => {
    const { app } = served;
    const user = await totpUser(app, "urql_neville", 3);
    const prompts = scriptedPrompts({
      secondFactor: () => ({ code: user.nextCode() }),
      // A person takes a moment to type: both refused revocations are back before the answer.
      reauthenticate: async () => {
        await delay(500);
        return { password: user.password, code: user.nextCode() };
      },
    });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);

    const login = await client.mutation(LoginDocument, credentials(user)).toPromise();
    expect(login.error).toBeUndefined();
    expect(login.data?.login.username).toBe(user.username);
    expect(prompts.secondFactorAsked).toEqual([["TOTP", "RECOVERY_CODE"]]);
    const me = await client.query(MeDocument, {}).toPromise();
    expect(me.data?.me?.username).toBe(user.username);
    expect(sent).toEqual(["Login", "SecondStep", "Me"]);

    // Past REAUTH_MAX_AGE, two revocations at once: one prompt, one reauthenticate, each retried once.
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const sessions = await client.query(MySessionsDocument, {}).toPromise();
    const others = sessions.data?.mySessions.filter((s) => !s.current) ?? [];
    expect(others).toHaveLength(3);
    const revoked = await Promise.all(
      others.slice(0, 2).map((s) => client.mutation(RevokeSessionDocument, { id: s.id }).toPromise()),
    );
    expect(revoked.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(revoked.map((r) => r.data?.revokeSession)).toEqual([true, true]);
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual([
      "MySessions",
      "RevokeSession",
      "RevokeSession",
      "Reauthenticate",
      "RevokeSession",
      "RevokeSession",
    ]);
    const alive = await Promise.all(user.others.map(signedIn));
    expect(alive.filter(Boolean)).toHaveLength(1);

    // Again past REAUTH_MAX_AGE: logoutEverywhere goes through after one more prompt.
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const everywhere = await client.mutation(LogoutEverywhereDocument, {}).toPromise();
    expect(everywhere.error).toBeUndefined();
    expect(everywhere.data?.logoutEverywhere).toBe(true);
    expect(prompts.reauthenticateAsked).toBe(2);
    expect(sent).toEqual(["LogoutEverywhere", "Reauthenticate", "LogoutEverywhere"]);
    expect(await Promise.all(user.others.map(signedIn))).toEqual([false, false, false]);
    const after = await client.query(MeDocument, {}).toPromise();
    expect(after.data?.me).toBeNull();
  });

  it("hands a wrong code at re-authentication to the caller as INVALID_CREDENTIALS, without retrying, and changes nothing", async () => {
    const { app } = served;
    const user = await totpUser(app, "urql_hannah");
    const prompts = scriptedPrompts({
      secondFactor: () => ({ code: user.nextCode() }),
      reauthenticate: () => ({ password: user.password, code: wrongCode(user.nextCode()) }),
    });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    await client.mutation(LoginDocument, credentials(user)).toPromise();
    app.clock.advance(REAUTH_MAX_AGE + 1);
    const sessions = await client.query(MySessionsDocument, {}).toPromise();
    const other = sessions.data?.mySessions.find((s) => !s.current);
    if (!other) throw new Error("no other session");
    sent.length = 0;

    const revoke = await client.mutation(RevokeSessionDocument, { id: other.id }).toPromise();
    expect(errorCodes(revoke)).toEqual(["INVALID_CREDENTIALS"]);
    expect(revoke.data?.revokeSession ?? null).toBeNull();
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["RevokeSession", "Reauthenticate"]);
    expect(await signedIn(user.others[0])).toBe(true);
    const me = await client.query(MeDocument, {}).toPromise();
    expect(me.data?.me?.username).toBe(user.username);
  });

  it("hands a wrong code at sign-in to the login call as INVALID_CREDENTIALS, signed out, without a second try", async () => {
    const user = await totpUser(served.app, "urql_ernie");
    const prompts = scriptedPrompts({ secondFactor: () => ({ code: wrongCode(user.nextCode()) }) });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    const login = await client.mutation(LoginDocument, credentials(user)).toPromise();
    expect(errorCodes(login)).toEqual(["INVALID_CREDENTIALS"]);
    expect(login.data?.login ?? null).toBeNull();
    expect(prompts.secondFactorAsked).toHaveLength(1);
    expect(sent).toEqual(["Login", "SecondStep"]);
    const me = await client.query(MeDocument, {}).toPromise();
    expect(me.data?.me).toBeNull();
  });

  it("hands REAUTHENTICATION_REQUIRED to the caller as it came when the user cancels the prompt", async () => {
    const { app } = served;
    const user = await totpUser(app, "urql_susan");
    const prompts = scriptedPrompts({ secondFactor: () => ({ code: user.nextCode() }), reauthenticate: () => null });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    await client.mutation(LoginDocument, credentials(user)).toPromise();
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const everywhere = await client.mutation(LogoutEverywhereDocument, {}).toPromise();
    expect(errorCodes(everywhere)).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["LogoutEverywhere"]);
    expect(await signedIn(user.others[0])).toBe(true);
  });

  it("passes a second REAUTHENTICATION_REQUIRED on the retry to the caller: one prompt, no loop", async () => {
    const { app } = served;
    const user = await totpUser(app, "urql_justin");
    const prompts = scriptedPrompts({
      secondFactor: () => ({ code: user.nextCode() }),
      reauthenticate: () => ({ password: user.password, code: user.nextCode() }),
    });
    const sent: string[] = [];
    // The re-authentication is already too old when the retry arrives.
    const answered = (name: string) => name === "Reauthenticate" && app.clock.advance(REAUTH_MAX_AGE + 1);
    const client = createClient(served.endpoint, prompts, sent, answered);
    await client.mutation(LoginDocument, credentials(user)).toPromise();
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const everywhere = await client.mutation(LogoutEverywhereDocument, {}).toPromise();
    expect(errorCodes(everywhere)).toEqual(["REAUTHENTICATION_REQUIRED"]);
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["LogoutEverywhere", "Reauthenticate", "LogoutEverywhere"]);
    expect(await signedIn(user.others[0])).toBe(true);
  });
});
