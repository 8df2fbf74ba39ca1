// JSON arguments written inline as GraphQL literals: objects, lists, strings, numbers and null
// read as the same value sent as a variable would be; no enums or variables inside.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { cookieJarClient } from "../helpers/cookie-jar.js";
import { BACKENDS } from "../helpers/database.js";
import { SoftAuthenticator } from "../helpers/passkey.js";
import { createUser } from "../helpers/users.js";

/** A JSON value written as a GraphQL literal, as a client would type it into a document. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

const LOGIN_WITH = (response: string) => `mutation { loginWithPasskey(response: ${response}) { username } }`;

describe.each(BACKENDS)("JSON literals (%s)", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(backend, { LOGIN_MAX_FAILURES_PER_USER: "1000", LOGIN_MAX_FAILURES_PER_ADDRESS: "1000" });
  });
  afterAll(() => app?.dispose());

  it("carries objects, strings and lists: a passkey registered with its response written inline", async () => {
    const user = await createUser(app, "hannah", "STUDENT", "HUFFLEPUFF");
    const gql = cookieJarClient(app);
    const login = await gql("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }", {
      u: user.username,
      p: user.password,
    });
    expect(login.errors).toBeUndefined();
    const authenticator = new SoftAuthenticator();
    const options = (await gql("mutation { passkeyRegistrationOptions }")).data?.passkeyRegistrationOptions;
    const response = authenticator.create(options as never);
    const registered = await gql(
      `mutation { registerPasskey(response: ${literal(response)}, name: "Inline") { name } }`,
    );
    expect(registered).toEqual({ data: { registerPasskey: { name: "Inline" } } });
    // The list inside the literal arrived: the stored transports come back in the request options.
    const request = await cookieJarClient(app)("mutation($u: String) { passkeyLoginOptions(username: $u) }", {
      u: "hannah",
    });
    expect(request.data?.passkeyLoginOptions).toMatchObject({
      allowCredentials: [{ id: response.id, type: "public-key", transports: ["internal"] }],
    });
  });

  it("reads numbers as numbers and null as null, as the same value sent as a variable would be", async () => {
    const cases: [unknown, string][] = [
      [{ type: "public-key", id: 12, rawId: 12 }, "response: id must be a base64url string"],
      [{ type: "public-key", id: 1.5, rawId: 1.5 }, "response: id must be a base64url string"],
      [{ type: "public-key", id: null, rawId: null }, "response: id is required"],
      [{ type: false }, 'response: type must be "public-key"'],
    ];
    for (const [value, message] of cases) {
      const inline = await cookieJarClient(app)(LOGIN_WITH(literal(value)));
      const variable = await cookieJarClient(app)(
        "mutation($r: JSON!) { loginWithPasskey(response: $r) { username } }",
        {
          r: value,
        },
      );
      for (const res of [inline, variable]) {
        expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([["BAD_USER_INPUT", message]]);
      }
    }
    // A list is not the object credential.toJSON() returns.
    const list = await cookieJarClient(app)(LOGIN_WITH("[1, 2]"));
    expect(list.errors?.map((e) => e.message)).toEqual([
      "response must be the JSON object credential.toJSON() returns",
    ]);
  });

  it("refuses an enum or a variable inside it with BAD_USER_INPUT", async () => {
    for (const document of [
      LOGIN_WITH('{type: "public-key", id: SOME_ENUM}'),
      `mutation($x: String) { loginWithPasskey(response: {type: "public-key", id: $x}) { username } }`,
    ]) {
      const res = await cookieJarClient(app)(document, { x: "abc" });
      expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ["BAD_USER_INPUT", "JSON literals cannot hold variables or enums"],
      ]);
      expect(res.data).toBeUndefined();
    }
  });
});
