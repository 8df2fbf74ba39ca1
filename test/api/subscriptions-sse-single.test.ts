// pointsAwarded over GraphQL-over-SSE in single-connection mode (graphql-sse's client) on /graphql.
import { createClient } from "graphql-sse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { waitFor } from "../helpers/sse.js";

const SUB = "subscription { pointsAwarded { house points houseTotal } }";
const AWARD = `mutation($h: House!, $p: Int!) { awardPoints(house: $h, points: $p, reason: "Test") { points } }`;

type Result = { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] };

describe.each(BACKENDS)("pointsAwarded over SSE, single connection (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend);
    prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });
  afterAll(() => app?.dispose());

  /** A graphql-sse client in single-connection mode whose requests carry `cookie`. */
  function sseClient(cookie: string | null) {
    return createClient({
      url: "http://localhost/graphql",
      singleConnection: true,
      retryAttempts: 0,
      fetchFn: (input: RequestInfo | URL, init: RequestInit = {}) => {
        const headers = new Headers(init.headers);
        if (cookie) headers.set("cookie", `session=${cookie}`);
        return app.yoga.fetch(String(input), { ...init, headers });
      },
    });
  }

  function collect(client: ReturnType<typeof sseClient>) {
    const results: Result[] = [];
    let completed = false;
    client.subscribe(
      { query: SUB },
      {
        next: (value) => void results.push(value as Result),
        error: (error) => void results.push({ errors: [{ extensions: { code: String(error) } }] }),
        complete: () => {
          completed = true;
        },
      },
    );
    return { results, completed: () => completed };
  }

  it("streams awards to a signed-in client and ends the stream at logout", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    const client = sseClient(harry.cookie);
    const sub = collect(client);
    await waitFor(() => app.live.size === 1);
    await prof.gql(AWARD, { h: "GRYFFINDOR", p: 2 });
    await waitFor(() => sub.results.length === 1);
    expect(sub.results[0].data?.pointsAwarded).toMatchObject({ house: "GRYFFINDOR", points: 2 });
    await harry.gql("mutation { logout }");
    await waitFor(() => sub.completed(), 2000);
    expect(sub.results[1].errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(app.live.size).toBe(0);
    client.dispose();
  });

  it("answers a client without a session with UNAUTHENTICATED", async () => {
    const client = sseClient(null);
    const sub = collect(client);
    await waitFor(() => sub.completed());
    expect(sub.results.map((r) => r.errors?.map((e) => e.extensions?.code))).toEqual([["UNAUTHENTICATED"]]);
    client.dispose();
  });

  it("refuses an operation posted to a reserved stream as a cross-site form would (CSRF)", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    // The attacker reserves a stream from their own machine (no cookie)...
    const reservation = await app.yoga.fetch("http://localhost/graphql", { method: "PUT" });
    expect(reservation.status).toBe(201);
    const token = await reservation.text();
    // ...and has the victim's browser post a form to it: refused before anything runs.
    const posted = await app.yoga.fetch(`http://localhost/graphql?token=${token}`, {
      method: "POST",
      headers: { "content-type": "text/plain", cookie: `session=${harry.cookie}` },
      body: JSON.stringify({ query: SUB, extensions: { operationId: "x" } }),
    });
    expect(posted.status).toBe(403);
    expect(app.live.size).toBe(0);
  });

  it("refuses an operation posted with no content type at all (a typeless Blob, sent without preflight)", async () => {
    const harry = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    const reservation = await app.yoga.fetch("http://localhost/graphql", { method: "PUT" });
    const token = await reservation.text();
    const posted = await app.yoga.fetch(`http://localhost/graphql?token=${token}`, {
      method: "POST",
      headers: { cookie: `session=${harry.cookie}` },
      body: new TextEncoder().encode(JSON.stringify({ query: SUB, extensions: { operationId: "x" } })),
    });
    expect(posted.status).toBe(403);
    expect(await posted.json()).toEqual({ errors: [{ message: "Required CSRF header(s) not present" }] });
    expect(app.live.size).toBe(0);
  });
});
