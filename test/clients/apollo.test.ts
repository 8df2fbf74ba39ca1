// Apollo Client (core, in Node, with a cookie jar) against the running server.
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from "@apollo/client";
import { ErrorLink } from "@apollo/client/link/error";
import { relayStylePagination } from "@apollo/client/utilities";
import { filter, firstValueFrom } from "rxjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginDocument, LogoutDocument, MeDocument, StudentsDocument } from "../../examples/operations/index.js";
import { DEMO } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { cookieFetch, type ServedApp, serveTestApp } from "../helpers/server.js";

/** What a web app would have: a router that can send the user to the login page. */
interface Router {
  redirects: string[];
}

/** Method and content-type of each request the client sent. */
type Sent = { method: string; contentType: string | null }[];

/** An Apollo Client set up the way the README tells an app to. */
function createClient(uri: string, router: Router, options: { useGETForQueries?: boolean } = {}, sent: Sent = []) {
  const { fetch: jarFetch } = cookieFetch();
  const fetch: typeof jarFetch = (input, init) => {
    sent.push({ method: init?.method ?? "GET", contentType: new Headers(init?.headers).get("content-type") });
    return jarFetch(input, init);
  };
  // Any UNAUTHENTICATED error means the session is gone: go to the login page.
  const signedOut = new ErrorLink(({ error }) => {
    if (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) {
      router.redirects.push("/login");
    }
  });
  const http = new HttpLink({ uri, fetch, credentials: "include", ...options });
  return new ApolloClient({
    link: ApolloLink.from([signedOut, http]),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { students: relayStylePagination(["house"]) } } },
    }),
  });
}

describe.each(BACKENDS)("Apollo Client (%s)", (backend) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveTestApp(backend);
  });
  afterAll(() => served?.close());

  it("signs in with the login mutation, pages through a house with fetchMore, and logs out", async () => {
    const router: Router = { redirects: [] };
    const client = createClient(served.endpoint, router);

    const login = await client.mutate({ mutation: LoginDocument, variables: DEMO.harry });
    expect(login.data?.login).toMatchObject({ username: "harry", displayName: "Harry Potter", house: "GRYFFINDOR" });
    const me = await client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(me.data?.me?.username).toBe("harry");

    const students = client.watchQuery({ query: StudentsDocument, variables: { house: "GRYFFINDOR", first: 5 } });
    const first = await firstValueFrom(students.pipe(filter((r) => r.dataState === "complete")));
    expect(first.data?.students.edges).toHaveLength(5);
    /** The merged list as the cache holds it after each fetchMore. */
    const current = () => {
      const result = students.getCurrentResult();
      if (result.dataState !== "complete") throw new Error(`students are ${result.dataState}`);
      return result.data.students;
    };
    let pages = 1;
    while (current().pageInfo.hasNextPage) {
      const endCursor = current().pageInfo.endCursor;
      const more = await students.fetchMore({ variables: { after: endCursor } });
      expect(more.data?.students.edges.length).toBeGreaterThan(0);
      pages++;
    }
    const all = current();
    const expected = await served.app.db.prisma.student.findMany({
      where: { house: "GRYFFINDOR" },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    });
    expect(pages).toBe(Math.ceil(expected.length / 5));
    expect(all.totalCount).toBe(expected.length);
    expect(all.edges.map((e) => e.node.name)).toEqual(expected.map((s) => s.name));
    expect(router.redirects).toEqual([]);

    const logout = await client.mutate({ mutation: LogoutDocument });
    expect(logout.data?.logout).toBe(true);
    await client.clearStore();
    await expect(client.query({ query: StudentsDocument, variables: { house: "GRYFFINDOR" } })).rejects.toSatisfy(
      (e) => CombinedGraphQLErrors.is(e) && e.errors[0].extensions?.code === "UNAUTHENTICATED",
    );
    expect(router.redirects).toEqual(["/login"]);
  });

  it("sends an anonymous caller to the login page through the error link, with no data", async () => {
    const router: Router = { redirects: [] };
    const client = createClient(served.endpoint, router);
    const result = await client.query({
      query: StudentsDocument,
      variables: { house: "RAVENCLAW" },
      errorPolicy: "all",
    });
    expect(result.data?.students ?? null).toBeNull();
    expect(CombinedGraphQLErrors.is(result.error)).toBe(true);
    expect(router.redirects).toEqual(["/login"]);
    const me = await client.query({ query: MeDocument });
    expect(me.data?.me).toBeNull();
  });

  it("with useGETForQueries still passes the CSRF defence: its GETs carry a JSON content-type", async () => {
    const router: Router = { redirects: [] };
    const sent: Sent = [];
    const client = createClient(served.endpoint, router, { useGETForQueries: true }, sent);
    await client.mutate({ mutation: LoginDocument, variables: DEMO.luna });
    const me = await client.query({ query: MeDocument });
    expect(me.data?.me?.username).toBe("luna");
    // A browser preflights a cross-origin GET with this header, so CORS_ORIGINS still decides.
    expect(sent).toEqual([
      { method: "POST", contentType: "application/json" },
      { method: "GET", contentType: "application/json" },
    ]);
    // The same GET without that header, as a cross-site <img> or link would send it, is refused.
    const url = new URL(served.endpoint);
    url.searchParams.set("query", "{ me { username } }");
    expect((await fetch(url)).status).toBe(403);
  });
});
