// For the two-step client recipes: a user with an authenticator app and other sessions, and scripted prompts.
import { expect } from "vitest";
import type { SecondFactor, SecondStepAnswer, StepUpAnswer, TwoStepPrompts } from "../../examples/two-step/prompts.js";
import { codes, type TestApp, type TestClient } from "./app.js";
import { codeAt, enroll, VERIFY } from "./totp.js";
import { createUser } from "./users.js";

/** REAUTH_MAX_AGE of the recipe tests' app, seconds (the smallest the configuration allows). */
export const REAUTH_MAX_AGE = 30;

export interface TotpUser {
  username: string;
  password: string;
  /** Sessions of the user's in other clients (signed in with password and code). */
  others: TestClient[];
  /** The next code the app shows: moves the test clock one step on, so that no code is used twice. */
  nextCode(): string;
}

/** A new user with TOTP turned on and `count` sessions elsewhere. */
export async function totpUser(app: TestApp, username: string, count = 1): Promise<TotpUser> {
  const { password } = await createUser(app, username, "STUDENT", "HUFFLEPUFF");
  const first = app.client("Owl Post/1.0");
  expect((await first.login(username, password)).body.errors).toBeUndefined();
  const { secret } = await enroll(app, first);
  const nextCode = () => {
    app.clock.advance(30);
    return codeAt(secret, app.clock.now);
  };
  const others = [first];
  while (others.length < count) {
    const other = app.client(`Owl Post/${others.length + 1}.0`);
    expect(codes(await other.login(username, password))).toEqual(["SECOND_FACTOR_REQUIRED"]);
    expect((await other.gql(VERIFY, { c: nextCode() })).body.errors).toBeUndefined();
    others.push(other);
  }
  return { username, password, others, nextCode };
}

/** The login variables of a user. */
export function credentials(user: TotpUser): { username: string; password: string } {
  return { username: user.username, password: user.password };
}

/** A code that is surely wrong: the right one with its first digit changed. */
export function wrongCode(code: string): string {
  return `${(Number(code[0]) + 1) % 10}${code.slice(1)}`;
}

/** Whether `client`'s session still works. */
export async function signedIn(client: TestClient): Promise<boolean> {
  const response = await client.gql<{ me: { username: string } | null }>("{ me { username } }");
  return response.body.data?.me != null;
}

export interface ScriptedPrompts extends TwoStepPrompts {
  /** The methods each second-factor question offered. */
  secondFactorAsked: SecondFactor[][];
  /** How many times a re-authentication was asked for. */
  reauthenticateAsked: number;
}

/** Prompts that answer as the test's user would, and count the questions. */
export function scriptedPrompts(answers: {
  secondFactor?: () => SecondStepAnswer | null | Promise<SecondStepAnswer | null>;
  reauthenticate?: () => StepUpAnswer | null | Promise<StepUpAnswer | null>;
}): ScriptedPrompts {
  const prompts: ScriptedPrompts = {
    secondFactorAsked: [],
    reauthenticateAsked: 0,
    async secondFactor(methods) {
      prompts.secondFactorAsked.push(methods);
      if (!answers.secondFactor) throw new Error("no second factor was expected");
      return answers.secondFactor();
    },
    async reauthenticate() {
      prompts.reauthenticateAsked++;
      if (!answers.reauthenticate) throw new Error("no re-authentication was expected");
      return answers.reauthenticate();
    },
  };
  return prompts;
}

/**
 * Wraps a fetch to record the operation name of each GraphQL request it sends; `answered`
 * runs when a response is in, before the client sees it.
 */
export function recordingOperations(
  inner: typeof fetch,
  sent: string[],
  answered: (operationName: string) => void = () => {},
): typeof fetch {
  return async (input, init) => {
    const name = typeof init?.body === "string" ? (JSON.parse(init.body).operationName ?? "(anonymous)") : "(none)";
    sent.push(name);
    const response = await inner(input, init);
    answered(name);
    return response;
  };
}
