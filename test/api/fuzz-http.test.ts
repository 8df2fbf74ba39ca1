// Hostile HTTP: thousands of requests with hostile headers, cookies, methods, bodies and
// query strings, each answered without a 5xx, a leak or a change to the database.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFuzzTarget, document, FUZZ_TIMEOUT, type FuzzTarget } from "../helpers/fuzz.js";

describe("fuzzing HTTP requests: headers, cookies, methods and bodies (pglite)", () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await createFuzzTarget();
  });
  afterAll(() => target?.app.dispose());

  const cookie = fc.oneof(
    fc.constant(""),
    fc.string({ maxLength: 80 }).map((s) => `session=${s}`),
    fc.constantFrom("dead", "foreign").map((k) => `session=${k === "dead" ? target.deadCookie : target.foreignCookie}`),
    fc.tuple(fc.nat(), fc.constantFrom("A", "*", "~", "", "0", "%00")).map(([i, ch]) => {
      const at = i % target.deadCookie.length;
      return `session=${target.deadCookie.slice(0, at)}${ch}${target.deadCookie.slice(at + 1)}`;
    }),
    fc.constant(`session=${"a".repeat(5000)}; session=x; other=1`),
    fc.string({ maxLength: 60 }).map((s) => `session-challenge=${s}`),
    fc.constant(`session-challenge=${"A".repeat(43)}; session-challenge=${"B".repeat(43)}`),
  );

  const headers = fc.record({
    "content-type": fc.constantFrom(
      "application/json",
      "application/graphql-response+json",
      "application/json; charset=utf-16",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/graphql",
      "",
      "*/*",
    ),
    accept: fc.constantFrom(
      "application/json",
      "text/event-stream",
      "multipart/mixed",
      "text/html",
      "*/*",
      "application/graphql-response+json",
      "",
    ),
    "x-graphql-yoga-csrf": fc.constantFrom("1", ""),
    origin: fc.constantFrom("https://evil.example", "null", ""),
    "x-forwarded-for": fc.constantFrom("1.2.3.4", "::1", "not-an-ip", "1.1.1.1, 2.2.2.2", ""),
    cookie,
  });

  it(
    "answers 2,000 requests with hostile headers, cookies and methods",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          headers,
          fc.constantFrom("POST", "GET", "PUT", "DELETE", "OPTIONS", "PATCH"),
          document,
          async (h, method, query) => {
            const get = method === "GET" || method === "DELETE";
            await target.attack({
              method,
              headers: h,
              body: get ? undefined : JSON.stringify({ query }),
              query: get ? `?${new URLSearchParams({ query })}` : "",
            });
          },
        ),
        { numRuns: 2000 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "answers 1,500 malformed bodies and query strings",
    async () => {
      const rawBody = fc.oneof(
        fc.string({ maxLength: 300, unit: "binary" }),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        document.map((q) => JSON.stringify([{ query: q }, { query: q }])),
        document.map((q) => `{"query": ${JSON.stringify(q)}, "variables": ${"[".repeat(500)}${"]".repeat(500)}}`),
        fc.constantFrom(
          "",
          "null",
          "{}",
          '{"query":null}',
          '{"query":{}}',
          '{"query":["{ me { id } }"]}',
          '{"extensions":{"persistedQuery":{"sha256Hash":"x"}}}',
        ),
      );
      const search = fc.oneof(
        fc.string({ maxLength: 100 }).map((s) => `?${new URLSearchParams({ query: s })}`),
        fc.constantFrom(
          "?query=%7Bme%7Bid%7D%7D&variables=%7B",
          "?query=",
          "?variables=null",
          "?query=%E0%A4%A",
          "?operationName[]=x",
        ),
      );
      await fc.assert(
        fc.asyncProperty(rawBody, search, fc.boolean(), async (body, qs, get) => {
          const h = { "content-type": "application/json", "x-graphql-yoga-csrf": "1" };
          await target.attack(get ? { method: "GET", headers: h, query: qs } : { method: "POST", headers: h, body });
        }),
        { numRuns: 1500 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it("changed nothing in the database after 3,500 requests", async () => {
    expect(target.sent()).toBeGreaterThanOrEqual(3_500);
    await target.unchanged();
  });
});
