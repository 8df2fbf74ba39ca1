// GraphiQL is served at /graphql to browsers, its bundle loaded on the first page view.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";

describe("GraphiQL", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp("pglite");
  });
  afterAll(() => app?.dispose());

  it("serves the GraphiQL page to a browser asking for HTML", async () => {
    const res = await app.yoga.fetch("http://localhost/graphql", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("<title>Hogwarts GraphQL</title>");
    expect(html).toContain("graphiql");
  });
});
