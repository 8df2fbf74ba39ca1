// Apollo Client (GraphQLWsLink) and urql (subscriptionExchange over graphql-ws) subscribe with the
// session cookie of their own login, receive awards, and see the stream end at logout.
import { ApolloClient, gql, HttpLink, InMemoryCache, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "@urql/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { cookieFetch } from "../helpers/server.js";
import { waitFor } from "../helpers/sse.js";
import { serveWithWebSocket, type WsServer, wsClient } from "../helpers/ws.js";

const SUB = "subscription { pointsAwarded(house: HUFFLEPUFF) { id house points houseTotal } }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { id username } }";
const AWARD = `mutation($p: Int!) { awardPoints(house: HUFFLEPUFF, points: $p, reason: "Client test") { points } }`;

type Seen = { data?: unknown; codes: unknown[] }[];

describe.each(BACKENDS)("subscription clients (%s)", (backend) => {
  let app: TestApp;
  let server: WsServer;
  let prof: TestClient;
  let http: string;

  beforeAll(async () => {
    app = await createTestApp(backend);
    server = await serveWithWebSocket(app);
    http = `http://127.0.0.1:${server.port}/graphql`;
    prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
  });
  afterAll(async () => {
    await server?.close();
    await app?.dispose();
  });

  /** Signs in over HTTP with a cookie jar; returns the jar's fetch and the session cookie. */
  async function signIn(fetcher: typeof fetch, jar: ReturnType<typeof cookieFetch>["jar"]): Promise<string> {
    const res = await fetcher(http, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: LOGIN, variables: { u: DEMO.luna.username, p: DEMO.luna.password } }),
    });
    expect(res.status).toBe(200);
    const cookie = (await jar.getCookies(http)).find((c) => c.key === "session");
    return cookie?.value as string;
  }

  it("Apollo Client: GraphQLWsLink receives awards and ends with UNAUTHENTICATED at logout", async () => {
    const { fetch: jarFetch, jar } = cookieFetch();
    const cookie = await signIn(jarFetch, jar);
    const ws = wsClient(server.url, cookie);
    const link = split(
      ({ query }) => {
        const def = getMainDefinition(query);
        return def.kind === "OperationDefinition" && def.operation === "subscription";
      },
      new GraphQLWsLink(ws),
      new HttpLink({ uri: http, fetch: jarFetch, credentials: "include" }),
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const seen: Seen = [];
    let done = false;
    client.subscribe({ query: gql(SUB) }).subscribe({
      next: (result) => {
        const errors = (result.error as { errors?: { extensions?: { code?: unknown } }[] } | undefined)?.errors ?? [];
        seen.push({ data: result.data, codes: errors.map((e) => e.extensions?.code) });
      },
      error: (error) => seen.push({ codes: [String(error)] }),
      complete: () => {
        done = true;
      },
    });
    await waitFor(() => app.live.size === 1);
    await prof.gql(AWARD, { p: 4 });
    await waitFor(() => seen.length === 1);
    expect(seen[0].data).toMatchObject({ pointsAwarded: { house: "HUFFLEPUFF", points: 4 } });
    await client.mutate({ mutation: gql("mutation { logout }") });
    await waitFor(() => done || seen.length > 1, 2000);
    expect(seen.slice(1).flatMap((s) => s.codes)).toEqual(["UNAUTHENTICATED"]);
    await ws.dispose();
  });

  it("urql: subscriptionExchange over graphql-ws receives awards and ends with UNAUTHENTICATED at logout", async () => {
    const { fetch: jarFetch, jar } = cookieFetch();
    const cookie = await signIn(jarFetch, jar);
    const ws = wsClient(server.url, cookie);
    const client = new Client({
      url: http,
      fetch: jarFetch,
      preferGetMethod: false,
      fetchOptions: { credentials: "include" },
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
          }),
        }),
      ],
    });
    const seen: Seen = [];
    const { unsubscribe } = client.subscription(SUB, {}).subscribe((result) => {
      seen.push({ data: result.data, codes: result.error?.graphQLErrors.map((e) => e.extensions?.code) ?? [] });
    });
    await waitFor(() => app.live.size === 1);
    await prof.gql(AWARD, { p: 6 });
    await waitFor(() => seen.length === 1);
    expect(seen[0].data).toMatchObject({ pointsAwarded: { house: "HUFFLEPUFF", points: 6 } });
    await client.mutation("mutation { logout }", {}).toPromise();
    await waitFor(() => seen.length > 1, 2000);
    expect(seen[1].codes).toEqual(["UNAUTHENTICATED"]);
    await waitFor(() => app.live.size === 0);
    unsubscribe();
    await ws.dispose();
  });
});
