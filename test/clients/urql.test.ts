// urql (@urql/core, in Node, with a cookie jar) against the running server, CSRF defence on.
import {
  Client,
  type ClientOptions,
  cacheExchange,
  fetchExchange,
  mapExchange,
  type OperationResult,
} from "@urql/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LoginDocument,
  LogoutDocument,
  MeDocument,
  StudentsDocument,
  type StudentsResult,
  type StudentsVariables,
} from "../../examples/operations/index.js";
import { DEMO } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { cookieFetch, type ServedApp, serveTestApp } from "../helpers/server.js";

/** What a web app would have: a router that can send the user to the login page. */
interface Router {
  redirects: string[];
}

/** Method of each request the client sent, with whether it carried a CSRF header. */
type Sent = { method: string; csrfHeader: boolean }[];

/** A urql client with a cookie jar; `options` is what the app chooses (the README's setting). */
function createClient(url: string, router: Router, options: Partial<ClientOptions> = {}, sent: Sent = []): Client {
  const { fetch: jarFetch } = cookieFetch();
  const fetch: typeof jarFetch = (input, init) => {
    sent.push({ method: init?.method ?? "GET", csrfHeader: new Headers(init?.headers).has("x-graphql-yoga-csrf") });
    return jarFetch(input, init);
  };
  return new Client({
    url,
    fetch,
    exchanges: [
      // Any UNAUTHENTICATED error means the session is gone: go to the login page.
      mapExchange({
        onError(error) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED"))
            router.redirects.push("/login");
        },
      }),
      cacheExchange,
      fetchExchange,
    ],
    ...options,
    fetchOptions: { credentials: "include", ...(options.fetchOptions as RequestInit | undefined) },
  });
}

/** The setting the README tells a urql app to use: queries as POST. */
const RECOMMENDED: Partial<ClientOptions> = { preferGetMethod: false };

describe.each(BACKENDS)("urql (%s)", (backend) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveTestApp(backend);
  });
  afterAll(() => served?.close());

  it("with its default GET queries is refused with 403 by the CSRF defence", async () => {
    const sent: Sent = [];
    const client = createClient(served.endpoint, { redirects: [] }, {}, sent);
    const result = await client.query(MeDocument, {}).toPromise();
    expect(result.data).toBeUndefined();
    expect((result.error?.response as Response | undefined)?.status).toBe(403);
    expect(result.error?.graphQLErrors.map((e) => e.message)).toEqual(["Required CSRF header(s) not present"]);
    expect(sent).toEqual([{ method: "GET", csrfHeader: false }]);
  });

  it("with preferGetMethod: false signs in, pages through a house, is sent to login after logout", async () => {
    const router: Router = { redirects: [] };
    const sent: Sent = [];
    const client = createClient(served.endpoint, router, RECOMMENDED, sent);

    const login = await client.mutation(LoginDocument, DEMO.harry).toPromise();
    expect(login.error).toBeUndefined();
    expect(login.data?.login).toMatchObject({ username: "harry", house: "GRYFFINDOR" });

    const names: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const page: OperationResult<StudentsResult, StudentsVariables> = await client
        .query(StudentsDocument, { house: "HUFFLEPUFF", first: 4, after })
        .toPromise();
      expect(page.error).toBeUndefined();
      const students = page.data?.students;
      if (!students) throw new Error("no students");
      names.push(...students.edges.map((e) => e.node.name));
      total = students.totalCount;
      after = students.pageInfo.hasNextPage ? students.pageInfo.endCursor : null;
    } while (after);
    const expected = await served.app.db.prisma.student.findMany({
      where: { house: "HUFFLEPUFF" },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    });
    expect(total).toBe(expected.length);
    expect(names).toEqual(expected.map((s) => s.name));
    expect(router.redirects).toEqual([]);

    const logout = await client.mutation(LogoutDocument, {}).toPromise();
    expect(logout.data?.logout).toBe(true);
    const after1 = await client
      .query(StudentsDocument, { house: "HUFFLEPUFF" }, { requestPolicy: "network-only" })
      .toPromise();
    expect(after1.data?.students ?? null).toBeNull();
    expect(after1.error?.graphQLErrors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(router.redirects).toEqual(["/login"]);
    expect(new Set(sent.map((s) => s.method))).toEqual(new Set(["POST"]));
  });

  it("keeps GET queries when every request sends the x-graphql-yoga-csrf header", async () => {
    const router: Router = { redirects: [] };
    const sent: Sent = [];
    const client = createClient(
      served.endpoint,
      router,
      { fetchOptions: { headers: { "x-graphql-yoga-csrf": "1" } } },
      sent,
    );
    await client.mutation(LoginDocument, DEMO.luna).toPromise();
    const me = await client.query(MeDocument, {}).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data?.me?.username).toBe("luna");
    expect(sent).toEqual([
      { method: "POST", csrfHeader: true },
      { method: "GET", csrfHeader: true },
    ]);
  });

  it("sends an anonymous caller to the login page through the error exchange", async () => {
    const router: Router = { redirects: [] };
    const client = createClient(served.endpoint, router, RECOMMENDED);
    const result = await client.query(StudentsDocument, { house: "SLYTHERIN" }).toPromise();
    expect(result.error?.graphQLErrors[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(router.redirects).toEqual(["/login"]);
  });
});
