// Every HTTP plugin of a production app at work in one request each: suggestions hidden, malformed
// JSON and oversize bodies refused, readiness, request ids, CSRF, single-connection SSE, limits.
// (Development keeps suggestions: see limits.test.ts.)
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";
import { raw } from "../helpers/http.js";

function messages(res: { body: { errors?: { message: string }[] } }): string {
  return (res.body.errors ?? []).map((e) => e.message).join(" | ");
}

describe("the HTTP plugins of a production app (PGlite)", () => {
  // The app is built inside the test, not in a hook: the plugins are made while the app is
  // built, and the mutation run only credits a test with what runs inside it.
  it("each does its part", async () => {
    const app = await createTestApp("pglite", { NODE_ENV: "production" });
    try {
      // suggestions hidden
      const field = await raw(app, { query: "{ housse { house } }" });
      expect(messages(field)).toBe('Cannot query field "housse" on type "Query".');
      const value = await raw(app, {
        query: "query($h: House!) { students(house: $h) { totalCount } }",
        variables: { h: "GRYFINDOR" },
      });
      expect(messages(value)).toContain('Value "GRYFINDOR" does not exist in "House" enum.');
      expect(JSON.stringify([field.body, value.body])).not.toMatch(/Did you mean|houses|GRYFFINDOR/);
      // malformed JSON: a fixed 400
      const malformed = await raw(app, '{"query": ');
      expect([malformed.status, messages(malformed)]).toEqual([400, "The request holds malformed JSON."]);
      // a body over the cap: 413
      const big = await raw(app, { query: "{ houses { house } }", extensions: { pad: "x".repeat(100_001) } });
      expect([big.status, messages(big)]).toEqual([413, "Request body is larger than 100000 bytes."]);
      // a query over the depth limit
      const deep = await raw(app, { query: `{ me ${"{ __typename ".repeat(11)}${"}".repeat(11)} }` });
      expect(messages(deep)).toMatch(/^Syntax Error: Query depth limit of 10 exceeded/);
      // readiness
      const ready = await app.yoga.fetch("http://localhost/ready");
      expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
      // the request id, echoed
      const echoed = await raw(app, { query: "{ houses { house } }" }, { headers: { "x-request-id": "wired-1" } });
      expect(echoed.headers.get("x-request-id")).toBe("wired-1");
      // CSRF: a header-less GET is refused
      const get = await app.yoga.fetch("http://localhost/graphql?query=%7B__typename%7D");
      expect(get.status).toBe(403);
      // single-connection SSE: a reservation
      const reservation = await app.yoga.fetch("http://localhost/graphql", { method: "PUT" });
      expect(reservation.status).toBe(201);
    } finally {
      await app.dispose();
    }
  });
});
