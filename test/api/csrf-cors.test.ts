// Cross-site attacks: form posts, text/plain, GET mutations and header-less GETs never run; CORS fails closed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";

const AWARD = 'mutation { awardPoints(house: SLYTHERIN, points: 100, reason: "csrf") { points } }';

describe.each(BACKENDS)("CSRF (%s)", (backend) => {
  let app: TestApp;
  let cookie: string;
  beforeAll(async () => {
    app = await createTestApp(backend);
    const prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    cookie = `session=${prof.cookie}`;
  });
  afterAll(() => app?.dispose());

  /** What an attack could change: house totals, the ledger, live sessions. */
  async function snapshot() {
    const { prisma } = app.db;
    return {
      points: await prisma.housePoints.findMany({ orderBy: { house: "asc" } }),
      awards: await prisma.pointAward.count(),
      sessions: await prisma.session.count(),
    };
  }

  async function send(method: string, body: BodyInit | undefined, headers: Record<string, string>, query = "") {
    const response = await app.yoga.fetch(`http://localhost/graphql${query}`, {
      method,
      body,
      headers: { cookie, origin: "https://evil.example", ...headers },
    });
    return { status: response.status, text: await response.text() };
  }

  it("never executes a cross-site form post (urlencoded, multipart, text/plain), even with the cookie", async () => {
    const before = await snapshot();
    const form = new FormData();
    form.set("query", AWARD);
    const attempts = [
      send("POST", new URLSearchParams({ query: AWARD }).toString(), {
        "content-type": "application/x-www-form-urlencoded",
      }),
      send("POST", form, {}),
      send("POST", JSON.stringify({ query: AWARD }), { "content-type": "text/plain" }),
      send("POST", JSON.stringify({ query: "mutation { logout }" }), { "content-type": "text/plain;charset=UTF-8" }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.text).toContain("Required CSRF header(s) not present");
      expect(res.text).not.toContain('"points"');
    }
    expect(await snapshot()).toEqual(before);
    // the professor's session survived the logout attempt
    const me = await send("POST", JSON.stringify({ query: "{ me { username } }" }), {
      "content-type": "application/json",
    });
    expect(JSON.parse(me.text).data).toEqual({ me: { username: "mcgonagall" } });
  });

  it("never runs a mutation over GET, even with the CSRF header", async () => {
    const before = await snapshot();
    for (const q of [AWARD, "mutation { logout }"]) {
      const res = await send("GET", undefined, { "x-graphql-yoga-csrf": "1" }, `?query=${encodeURIComponent(q)}`);
      expect(res.status).toBe(405);
      expect(res.text).toContain("Can only perform a mutation operation from a POST request.");
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a cookie-carrying GET query without a CSRF header and answers it with one", async () => {
    const q = `?query=${encodeURIComponent("{ me { username } }")}`;
    const bare = await send("GET", undefined, {}, q);
    expect(bare.status).toBe(403);
    expect(bare.text).not.toContain("mcgonagall");
    for (const header of ["x-graphql-yoga-csrf", "graphql-preflight", "apollo-require-preflight"]) {
      const ok = await send("GET", undefined, { [header]: "1" }, q);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.text).data).toEqual({ me: { username: "mcgonagall" } });
    }
  });
});

describe("CORS fails closed", () => {
  const LISTED = "https://app.example.com";
  let app: TestApp;
  let closed: TestApp;
  beforeAll(async () => {
    [app, closed] = await Promise.all([
      createTestApp("pglite", { CORS_ORIGINS: `${LISTED}, https://admin.example.com` }),
      createTestApp("pglite"),
    ]);
  });
  afterAll(() => Promise.all([app?.dispose(), closed?.dispose()]));

  function preflight(target: TestApp, origin: string) {
    return target.yoga.fetch("http://localhost/graphql", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
  }

  function post(target: TestApp, origin: string) {
    return target.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ houses { house } }" }),
    });
  }

  it("grants a listed origin Allow-Origin and Allow-Credentials, on preflight and on the request", async () => {
    for (const res of [await preflight(app, LISTED), await post(app, LISTED)]) {
      expect(res.headers.get("access-control-allow-origin")).toBe(LISTED);
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    }
    const pre = await preflight(app, LISTED);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    expect(pre.headers.get("access-control-max-age")).toBe("600");
    // the lists are ours, not an echo of what the preflight asks for
    const asking = await app.yoga.fetch("http://localhost/graphql", {
      method: "OPTIONS",
      headers: {
        origin: LISTED,
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "content-type, x-not-allowed",
      },
    });
    expect(asking.headers.get("access-control-allow-methods")).toBe("GET, POST, PUT, DELETE");
    expect(asking.headers.get("access-control-allow-headers")).toBe(
      "content-type, accept, x-graphql-event-stream-token, x-graphql-yoga-csrf, graphql-preflight, apollo-require-preflight",
    );
  });

  it("gives any other origin neither header, on preflight and on the request", async () => {
    const others = [
      "https://evil.example",
      "null",
      "https://app.example.com.evil.net",
      "http://app.example.com", // another scheme is another origin
      "https://app.example.com:8443",
    ];
    for (const origin of others) {
      for (const res of [await preflight(app, origin), await post(app, origin)]) {
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      }
    }
  });

  it("grants nobody when CORS_ORIGINS is empty (the default)", async () => {
    for (const origin of [LISTED, "https://evil.example"]) {
      for (const res of [await preflight(closed, origin), await post(closed, origin)]) {
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      }
    }
  });
});
