// A pending sign-in is not a session: every signed-in root field of the schema, generated from
// the schema itself so that new fields are covered, answers UNAUTHENTICATED to its cookie.
import {
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";
import { codes, createTestApp, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { codeAt, enroll, VERIFY } from "../helpers/totp.js";
import { createUser, type NewUser } from "../helpers/users.js";

interface PothosOptions {
  authScopes?: unknown;
  skipTypeScopes?: boolean;
}

/** Root fields anyone may call: they say `authScopes: { public: true }` outright. */
function isPublic(field: GraphQLField<unknown, unknown>): boolean {
  const options = field.extensions.pothosOptions as PothosOptions | undefined;
  return Boolean(options?.skipTypeScopes) && JSON.stringify(options?.authScopes) === JSON.stringify({ public: true });
}

/** A literal for an argument of `type`; `id` is a real global id so that `node` reaches its rule. */
function literal(type: GraphQLInputType, id: string): string {
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0].name;
  if (isInputObjectType(named)) throw new Error(`no literal for input ${named.name}: extend this test`);
  if (isScalarType(named)) {
    switch (named.name) {
      case "ID":
        return JSON.stringify(id);
      case "Int":
        return "1";
      case "Boolean":
        return "true";
      case "JSON":
        return "{}";
      default:
        return JSON.stringify("x");
    }
  }
  throw new Error(`no literal for ${String(named)}`);
}

/** One operation per signed-in root field, with every required argument filled in. */
function signedInOperations(id: string): { name: string; query: string }[] {
  const operations: { name: string; query: string }[] = [];
  for (const [keyword, type] of [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      if (isPublic(field)) continue;
      const args = field.args
        .filter((a) => isNonNullType(a.type))
        .map((a) => `${a.name}: ${literal(a.type, id)}`)
        .join(", ");
      const returned = getNamedType(field.type);
      const selection = isObjectType(returned) || isAbstractType(returned) ? " { __typename }" : "";
      operations.push({
        name: `${type?.name}.${field.name}`,
        query: `${keyword} { ${field.name}${args ? `(${args})` : ""}${selection} }`,
      });
    }
  }
  return operations;
}

describe.each(BACKENDS)("a pending sign-in is never a session (%s)", (backend) => {
  let app: TestApp;
  let user: NewUser;
  let secret: string;
  beforeAll(async () => {
    app = await createTestApp(backend);
    user = await createUser(app, "ginny", "STUDENT", "GRYFFINDOR");
    const client = app.client();
    await client.login(user.username, user.password);
    ({ secret } = await enroll(app, client));
  });
  afterAll(() => app?.dispose());

  it("answers UNAUTHENTICATED on every signed-in root field, then still completes once", async () => {
    const client = app.client();
    expect(codes(await client.login(user.username, user.password))).toEqual(["SECOND_FACTOR_REQUIRED"]);
    const pendingCookie = client.cookie as string;
    const sessionsBefore = await app.db.prisma.session.count({ where: { userId: user.id } });
    const userId = Buffer.from(`User:${user.id}`).toString("base64url");

    const operations = signedInOperations(userId);
    // the walk covers what it should: today's signed-in fields and the new ones
    expect(operations.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        "Query.students",
        "Query.mySessions",
        "Mutation.changePassword",
        "Mutation.reauthenticate",
        "Mutation.startTotpEnrollment",
        "Mutation.confirmTotpEnrollment",
        "Mutation.disableTotp",
        "Mutation.regenerateRecoveryCodes",
        "Mutation.logoutEverywhere",
        "Mutation.revokeSession",
        "Mutation.awardPoints",
      ]),
    );
    const answers: Record<string, unknown[]> = {};
    for (const { name, query } of operations) {
      const holder = app.client();
      holder.cookie = pendingCookie;
      answers[name] = codes(await holder.gql(query));
    }
    expect(answers).toEqual(Object.fromEntries(operations.map((o) => [o.name, ["UNAUTHENTICATED"]])));
    // public fields see no user either
    const holder = app.client();
    holder.cookie = pendingCookie;
    expect((await holder.gql("{ me { username } }")).body.data).toEqual({ me: null });
    expect(await app.db.prisma.session.count({ where: { userId: user.id } })).toBe(sessionsBefore);

    // the cookie was a live pending sign-in all along: it completes, once
    holder.cookie = pendingCookie;
    const done = await holder.gql(VERIFY, { c: codeAt(secret, app.clock.now) });
    expect(done.body).toEqual({ data: { verifySecondFactor: { username: "ginny" } } });
  });
});
