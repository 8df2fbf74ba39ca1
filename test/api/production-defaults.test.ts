// What OWASP's GraphQL cheat sheet asks of production: no introspection, no GraphiQL unless
// switched on, and a malformed body answered without being echoed back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { raw } from "../helpers/http.js";
import { PRODUCTION } from "../helpers/production.js";

const SCHEMA = "{ __schema { queryType { name } } }";
const TYPE = '{ __type(name: "User") { name } }';
const HTML = { accept: "text/html" };

describe("configuration", () => {
  it("turns introspection and GraphiQL off in production unless asked, on elsewhere", () => {
    expect(loadConfig(PRODUCTION)).toMatchObject({ introspection: false, graphiql: false });
    expect(loadConfig({ NODE_ENV: "development" })).toMatchObject({ introspection: true, graphiql: true });
    expect(loadConfig({ ...PRODUCTION, GRAPHQL_INTROSPECTION: "true", GRAPHIQL: "true" })).toMatchObject({
      introspection: true,
      graphiql: true,
    });
  });

  it("bounds slow clients by default and refuses a headers timeout past the request timeout", () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "40000" })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: "0" })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
  });
});

describe("production defaults (PGlite)", () => {
  let prod: TestApp;
  let opened: TestApp;
  beforeAll(async () => {
    [prod, opened] = await Promise.all([
      createTestApp("pglite", { NODE_ENV: "production" }),
      createTestApp("pglite", { NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true", GRAPHIQL: "true" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prod?.dispose(), opened?.dispose()]);
  });

  it("refuses __schema and __type in production, and still answers __typename", async () => {
    for (const query of [SCHEMA, TYPE]) {
      const res = await raw(prod, { query });
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0].message).toMatch(/introspection has been disabled/);
      expect(res.body.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    }
    expect((await raw(prod, { query: "{ __typename }" })).body.data).toEqual({ __typename: "Query" });
  });

  it("serves no GraphiQL page in production", async () => {
    const page = await prod.yoga.fetch("http://localhost/graphql", { headers: HTML });
    expect(page.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    expect(await page.text()).not.toMatch(/GraphiQL|<html/i);
  });

  it("turns both on with GRAPHQL_INTROSPECTION=true and GRAPHIQL=true", async () => {
    expect((await raw(opened, { query: SCHEMA })).body.data).toEqual({ __schema: { queryType: { name: "Query" } } });
    expect((await raw(opened, { query: TYPE })).body.data).toEqual({ __type: { name: "User" } });
    const page = await opened.yoga.fetch("http://localhost/graphql", { headers: HTML });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Hogwarts GraphQL<\/title>/);
  });

  it("answers a malformed JSON body with 400 and a fixed message, never the body", async () => {
    const secret = "hunter2-in-a-broken-body";
    for (const body of [
      '{"query": ',
      `{"query": "mutation($p: String!) { login(username: \\"harry\\", password: $p) { id } }", "variables": {"p": "${secret}"`,
      `not json ${secret}`,
    ]) {
      const res = await raw(prod, body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { message: "The request holds malformed JSON.", extensions: { code: "BAD_REQUEST" } },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/originalError|hunter2|SyntaxError|query/);
    }
  });

  it("tells well-formed JSON that is not an object from malformed JSON", async () => {
    for (const [body, kind] of [
      ["null", "null"],
      ['"a string"', "string"],
    ]) {
      const res = await raw(prod, body);
      expect(res.status).toBe(400);
      expect(res.body.errors?.map((e) => e.message)).toEqual([
        `POST body is expected to be object but received ${kind}`,
      ]);
    }
  });
});
