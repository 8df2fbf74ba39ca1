// What the hostile passkey tests send: the ceremonies' documents and one POST through yoga.fetch.
import { expect } from "vitest";
import type { TestApp } from "./app.js";

export const OPTIONS = "mutation($u: String) { passkeyLoginOptions(username: $u) }";
export const LOGIN = "mutation($r: JSON!) { loginWithPasskey(response: $r) { id } }";
export const REGISTER_OPTIONS = "mutation { passkeyRegistrationOptions }";
export const REGISTER = "mutation($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { id } }";
export const SECOND_STEP = "mutation($k: JSON) { verifySecondFactor(passkey: $k) { username } }";
export const STEP_UP = "mutation($k: JSON) { reauthenticate(passkey: $k) }";

/** The hostile passkey tests' app: every refusal may be a failed login; challenges expire often. */
export const HOSTILE_PASSKEY_ENV = {
  LOGIN_MAX_FAILURES_PER_USER: "1000",
  LOGIN_MAX_FAILURES_PER_ADDRESS: "1000",
  // Challenges are moved past their 5 minutes several times in one session.
  REAUTH_MAX_AGE: "3600",
};

/** One POST with a Cookie header; never a 5xx. The error codes and the cookies set (name=value). */
export async function sendAs(app: TestApp, query: string, variables: Record<string, unknown>, cookie = "") {
  const response = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBeLessThan(500);
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; methods?: string[] } }[];
  };
  const set = response.headers.getSetCookie().map((l) => l.split(";")[0] as string);
  return { body, codes: (body.errors ?? []).map((e) => e.extensions?.code), set };
}

/** The rows a refused answer must leave alone: session ids and authentication times, passkey counters. */
export async function refusalRows(app: TestApp) {
  const { prisma } = app.db;
  return {
    sessions: await prisma.session.findMany({ select: { id: true, authenticatedAt: true }, orderBy: { id: "asc" } }),
    passkeys: await prisma.passkey.findMany({ select: { counter: true, lastUsedAt: true }, orderBy: { id: "asc" } }),
  };
}

/** The `name=value` of the challenge cookie a response set. */
export const challengeOf = (res: { set: string[] }) => res.set.find((c) => /^session-challenge=./.test(c)) as string;
