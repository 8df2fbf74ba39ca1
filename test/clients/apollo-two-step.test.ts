// The README's Apollo recipe (examples/two-step/apollo.ts) against the running server: the second
// factor at sign-in and re-authentication before a sensitive change, through the error link.
import { setTimeout as delay } from "node:timers/promises";
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from "@apollo/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LoginDocument,
  LogoutEverywhereDocument,
  MeDocument,
  MySessionsDocument,
  RevokeSessionDocument,
} from "../../examples/operations/index.js";
import { twoStepLink } from "../../examples/two-step/apollo.js";
import type { TwoStepPrompts } from "../../examples/two-step/prompts.js";
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

/** An Apollo Client as the README sets it up: the two-step link, then HTTP with a cookie jar. */
function createClient(
  uri: string,
  prompts: TwoStepPrompts,
  sent: string[],
  answered?: (operationName: string) => void,
) {
  const fetch = recordingOperations(cookieFetch().fetch, sent, answered);
  return new ApolloClient({
    link: ApolloLink.from([twoStepLink(prompts), new HttpLink({ uri, fetch, credentials: "include" })]),
    cache: new InMemoryCache(),
  });
}

/** The `extensions.code` of each GraphQL error of a rejected call. */
function errorCodes(error: unknown): unknown[] {
  return CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code) : [String(error)];
}

describe.each(BACKENDS)("Apollo Client two-step link (%s)", (backend) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveTestApp(backend, { REAUTH_MAX_AGE: String(REAUTH_MAX_AGE) });
  });
  afterAll(() => served?.close());

  it("finishes a sign-in with the code the prompt gives, then re-authenticates once for revocations and logoutEverywhere", async () => {
    const { app } = served;
    const user = await totpUser(app, "apollo_neville", 3);
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

    const login = await client.mutate({ mutation: LoginDocument, variables: credentials(user) });
    expect(login.data?.login.username).toBe(user.username);
    expect(prompts.secondFactorAsked).toEqual([["TOTP", "RECOVERY_CODE"]]);
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(me.data?.me?.username).toBe(user.username);
    expect(sent).toEqual(["Login", "SecondStep", "Me"]);

    // Past REAUTH_MAX_AGE, two revocations at once: one prompt, one reauthenticate, each retried once.
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const sessions = await client.query({ query: MySessionsDocument, fetchPolicy: "network-only" });
    const others = sessions.data?.mySessions.filter((s) => !s.current) ?? [];
    expect(others).toHaveLength(3);
    const revoked = await Promise.all(
      others.slice(0, 2).map((s) => client.mutate({ mutation: RevokeSessionDocument, variables: { id: s.id } })),
    );
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
    const everywhere = await client.mutate({ mutation: LogoutEverywhereDocument });
    expect(everywhere.data?.logoutEverywhere).toBe(true);
    expect(prompts.reauthenticateAsked).toBe(2);
    expect(sent).toEqual(["LogoutEverywhere", "Reauthenticate", "LogoutEverywhere"]);
    expect(await Promise.all(user.others.map(signedIn))).toEqual([false, false, false]);
    const after = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(after.data?.me).toBeNull();
  });

  it("hands a wrong code at re-authentication to the caller as INVALID_CREDENTIALS, without retrying, and changes nothing", async () => {
    const { app } = served;
    const user = await totpUser(app, "apollo_hannah");
    const prompts = scriptedPrompts({
      secondFactor: () => ({ code: user.nextCode() }),
      reauthenticate: () => ({ password: user.password, code: wrongCode(user.nextCode()) }),
    });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    await client.mutate({ mutation: LoginDocument, variables: credentials(user) });
    app.clock.advance(REAUTH_MAX_AGE + 1);
    const sessions = await client.query({ query: MySessionsDocument, fetchPolicy: "network-only" });
    const other = sessions.data?.mySessions.find((s) => !s.current);
    if (!other) throw new Error("no other session");
    sent.length = 0;

    const revoke = client.mutate({ mutation: RevokeSessionDocument, variables: { id: other.id } });
    await expect(revoke).rejects.toSatisfy((e) => errorCodes(e).join() === "INVALID_CREDENTIALS");
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["RevokeSession", "Reauthenticate"]);
    expect(await signedIn(user.others[0])).toBe(true);
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(me.data?.me?.username).toBe(user.username);
  });

  it("hands a wrong code at sign-in to the login call as INVALID_CREDENTIALS, signed out, without a second try", async () => {
    const user = await totpUser(served.app, "apollo_ernie");
    const prompts = scriptedPrompts({ secondFactor: () => ({ code: wrongCode(user.nextCode()) }) });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    const login = client.mutate({ mutation: LoginDocument, variables: credentials(user) });
    await expect(login).rejects.toSatisfy((e) => errorCodes(e).join() === "INVALID_CREDENTIALS");
    expect(prompts.secondFactorAsked).toHaveLength(1);
    expect(sent).toEqual(["Login", "SecondStep"]);
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(me.data?.me).toBeNull();
  });

  it("hands REAUTHENTICATION_REQUIRED to the caller as it came when the user cancels the prompt", async () => {
    const { app } = served;
    const user = await totpUser(app, "apollo_susan");
    const prompts = scriptedPrompts({ secondFactor: () => ({ code: user.nextCode() }), reauthenticate: () => null });
    const sent: string[] = [];
    const client = createClient(served.endpoint, prompts, sent);
    await client.mutate({ mutation: LoginDocument, variables: credentials(user) });
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const everywhere = client.mutate({ mutation: LogoutEverywhereDocument });
    await expect(everywhere).rejects.toSatisfy((e) => errorCodes(e).join() === "REAUTHENTICATION_REQUIRED");
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["LogoutEverywhere"]);
    expect(await signedIn(user.others[0])).toBe(true);
  });

  it("passes a second REAUTHENTICATION_REQUIRED on the retry to the caller: one prompt, no loop", async () => {
    const { app } = served;
    const user = await totpUser(app, "apollo_justin");
    const prompts = scriptedPrompts({
      secondFactor: () => ({ code: user.nextCode() }),
      reauthenticate: () => ({ password: user.password, code: user.nextCode() }),
    });
    const sent: string[] = [];
    // The re-authentication is already too old when the retry arrives.
    const answered = (name: string) => name === "Reauthenticate" && app.clock.advance(REAUTH_MAX_AGE + 1);
    const client = createClient(served.endpoint, prompts, sent, answered);
    await client.mutate({ mutation: LoginDocument, variables: credentials(user) });
    app.clock.advance(REAUTH_MAX_AGE + 1);
    sent.length = 0;
    const everywhere = client.mutate({ mutation: LogoutEverywhereDocument });
    await expect(everywhere).rejects.toSatisfy((e) => errorCodes(e).join() === "REAUTHENTICATION_REQUIRED");
    expect(prompts.reauthenticateAsked).toBe(1);
    expect(sent).toEqual(["LogoutEverywhere", "Reauthenticate", "LogoutEverywhere"]);
    expect(await signedIn(user.others[0])).toBe(true);
  });
});
