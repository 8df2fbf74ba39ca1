// Production hides graphql-js's "Did you mean ...?" hints, which spell out the schema to a prober
// (development keeps them: see limits.test.ts).
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";
import { raw } from "../helpers/http.js";

function messages(res: { body: { errors?: { message: string }[] } }): string {
  return (res.body.errors ?? []).map((e) => e.message).join(" | ");
}

describe("suggestions in production (PGlite)", () => {
  // The app is built inside the test, not in a hook: the plugin list is made while the app is
  // built, and the mutation run only credits a test with what runs inside it.
  it("hides field and enum suggestions", async () => {
    const app = await createTestApp("pglite", { NODE_ENV: "production" });
    try {
      const field = await raw(app, { query: "{ housse { house } }" });
      expect(messages(field)).toBe('Cannot query field "housse" on type "Query".');
      const value = await raw(app, {
        query: "query($h: House!) { students(house: $h) { totalCount } }",
        variables: { h: "GRYFINDOR" },
      });
      expect(messages(value)).toContain('Value "GRYFINDOR" does not exist in "House" enum.');
      expect(JSON.stringify([field.body, value.body])).not.toMatch(/Did you mean|houses|GRYFFINDOR/);
    } finally {
      await app.dispose();
    }
  });
});
