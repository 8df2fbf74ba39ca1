// Session cookie attributes from the environment: SameSite, Secure and Partitioned (CHIPS).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { PRODUCTION_REQUIRED } from "../helpers/production.js";

const WEBAUTHN = PRODUCTION_REQUIRED;

describe("session cookie attributes", () => {
  it("refuses SESSION_COOKIE_PARTITIONED without SESSION_COOKIE_SECURE", () => {
    expect(() => loadConfig({ SESSION_COOKIE_PARTITIONED: "true" })).toThrow(ConfigError);
    expect(() => loadConfig({ SESSION_COOKIE_PARTITIONED: "true" })).toThrow(/SESSION_COOKIE_SECURE=true/);
    expect(() => loadConfig({ SESSION_COOKIE_PARTITIONED: "maybe" })).toThrow(
      /SESSION_COOKIE_PARTITIONED must be true or false/,
    );
  });

  it("defaults to SameSite=Lax, Secure only in production, never Partitioned", () => {
    expect(loadConfig({}).cookie).toMatchObject({ sameSite: "lax", secure: false, partitioned: false });
    expect(loadConfig({ NODE_ENV: "production", ...WEBAUTHN }).cookie).toMatchObject({
      sameSite: "lax",
      secure: true,
      partitioned: false,
    });
  });

  describe.each([
    [{}, "Path=/; HttpOnly; SameSite=Lax"],
    [
      { SESSION_COOKIE_SAMESITE: "none", SESSION_COOKIE_SECURE: "true", SESSION_COOKIE_PARTITIONED: "true" },
      "Path=/; HttpOnly; SameSite=None; Secure; Partitioned",
    ],
  ])("with %o", (env, attributes) => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp("pglite", env);
    });
    afterAll(() => app?.dispose());

    it(`login sets and logout expires the cookie with "${attributes}"`, async () => {
      const client = app.client();
      await client.login(DEMO.harry.username, DEMO.harry.password);
      expect(client.lastSetCookie).toHaveLength(1);
      const [value, maxAge, ...rest] = client.lastSetCookie[0].split("; ");
      expect(value).toMatch(/^session=Fe26\.2\*/);
      expect(maxAge).toMatch(/^Max-Age=\d+$/);
      expect(rest.join("; ")).toBe(attributes);
      await client.gql("mutation { logout }");
      expect(client.lastSetCookie).toEqual([
        `session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${attributes}`,
      ]);
    });
  });

  // The app is built inside the test so that a mutation run (per-test coverage) counts the
  // cookie's construction as this test's.
  it.each([
    [{}, "Path=/; HttpOnly; SameSite=Lax"],
    [
      { SESSION_COOKIE_SAMESITE: "none", SESSION_COOKIE_SECURE: "true", SESSION_COOKIE_PARTITIONED: "true" },
      "Path=/; HttpOnly; SameSite=None; Secure; Partitioned",
    ],
  ])("the passkey challenge cookie is set and expired with %o as %s", async (env, attributes) => {
    const app = await createTestApp("pglite", env);
    try {
      const send = (query: string, variables: Record<string, unknown>, cookie?: string) =>
        app.yoga.fetch("http://localhost/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
          body: JSON.stringify({ query, variables }),
        });
      const options = await send("mutation { passkeyLoginOptions }", {});
      const [set] = options.headers.getSetCookie();
      expect(set).toMatch(new RegExp(`^session-challenge=[A-Za-z0-9_-]{43}; Max-Age=300; ${attributes}$`));
      const r = {
        id: "AAAA",
        rawId: "AAAA",
        type: "public-key",
        response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AAAA" },
      };
      const login = await send(
        "mutation($r: JSON!) { loginWithPasskey(response: $r) { id } }",
        { r },
        set.split(";")[0],
      );
      expect(login.headers.getSetCookie()).toEqual([
        `session-challenge=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${attributes}`,
      ]);
    } finally {
      await app.dispose();
    }
  });
});
