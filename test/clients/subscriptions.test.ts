// Apollo Client (GraphQLWsLink, and a link over graphql-sse's client) and urql (subscriptionExchange
// over graphql-ws) subscribe with the session cookie of their own login, receive awards, and see
// the stream end at logout.
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, print } from "@apollo/client/utilities";
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "@urql/core";
import { createClient as createSseClient, type Client as SseClient } from "graphql-sse";
import { Observable } from "rxjs";
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

/**
 * Apollo's terminating link for subscriptions over server-sent events, on graphql-sse's client (what
 * Yoga's documentation recommends for SSE); Apollo ships none. Each subscription is its own POST
 * (the distinct-connections mode), carrying the cookie like any other request.
 */
class SseLink extends ApolloLink {
  constructor(private readonly client: SseClient) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const { query, variables, operationName, extensions } = operation;
    return new Observable((observer) =>
      this.client.subscribe(
        { query: print(query), variables, operationName, extensions },
        {
          next: (result) => observer.next(result as ApolloLink.Result),
          complete: () => observer.complete(),
          error: (error) => observer.error(error instanceof Error ? error : new Error(String(error))),
        },
      ),
    );
  }
}

/** Apollo's `split`: subscriptions to `subscriptions`, everything else over HTTP with the cookie jar. */
function apolloLink(subscriptions: ApolloLink, uri: string, fetcher: typeof fetch): ApolloLink {
  return split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === "OperationDefinition" && def.operation === "subscription";
    },
    subscriptions,
    new HttpLink({ uri, fetch: fetcher, credentials: "include" }),
  );
}

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

  /** Subscribes through `client`, awards, logs out through it; checks the event and the end. */
  async function awardThenLogout(client: ApolloClient, points: number): Promise<void> {
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
    await prof.gql(AWARD, { p: points });
    await waitFor(() => seen.length === 1);
    expect(seen[0].data).toMatchObject({ pointsAwarded: { house: "HUFFLEPUFF", points } });
    await client.mutate({ mutation: gql("mutation { logout }") });
    await waitFor(() => done || seen.length > 1, 2000);
    expect(seen.slice(1).flatMap((s) => s.codes)).toEqual(["UNAUTHENTICATED"]);
    await waitFor(() => app.live.size === 0);
  }

  it("Apollo Client: GraphQLWsLink receives awards and ends with UNAUTHENTICATED at logout", async () => {
    const { fetch: jarFetch, jar } = cookieFetch();
    const cookie = await signIn(jarFetch, jar);
    const ws = wsClient(server.url, cookie);
    const link = apolloLink(new GraphQLWsLink(ws), http, jarFetch);
    await awardThenLogout(new ApolloClient({ link, cache: new InMemoryCache() }), 4);
    await ws.dispose();
  });

  it("Apollo Client: a link over graphql-sse receives awards and ends with UNAUTHENTICATED at logout", async () => {
    const { fetch: jarFetch, jar } = cookieFetch();
    await signIn(jarFetch, jar);
    // The same cookie jar as the HTTP link: the stream's POST carries the session cookie.
    const sse = createSseClient({ url: http, fetchFn: jarFetch, credentials: "include", retryAttempts: 0 });
    const link = apolloLink(new SseLink(sse), http, jarFetch);
    await awardThenLogout(new ApolloClient({ link, cache: new InMemoryCache() }), 5);
    sse.dispose();
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
