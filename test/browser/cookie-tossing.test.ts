// Cookie tossing in Chromium: a sibling subdomain plants a session cookie on the parent
// domain. Two sibling names resolve to 127.0.0.1 and are served over HTTPS (a certificate
// made here), because Secure and __Host- cookies are only accepted on secure origins.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { createUser } from "../helpers/users.js";

const PARENT = "hogwarts.test";
const ME = "{ me { username } }";
const LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { username } }";

interface Tls {
  key: Buffer;
  cert: Buffer;
}

/** A self-signed certificate for every name under PARENT. */
function makeCertificate(): Tls {
  const dir = mkdtempSync(path.join(tmpdir(), "tossing-tls-"));
  try {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=*.${PARENT}`,
        "-addext",
        `subjectAltName=DNS:*.${PARENT}`,
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Served {
  port: number;
  close(): Promise<void>;
}

async function serveTls(tls: Tls, handler: http.RequestListener): Promise<Served> {
  const server = https.createServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs a GraphQL request from the page, the way the app's own front end would. */
function gqlFrom(page: Page, query: string, variables?: Record<string, unknown>) {
  return page.evaluate(
    async ([q, v]) => {
      const response = await fetch("/graphql", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q, variables: v }),
      });
      return response.json();
    },
    [query, variables] as const,
  );
}

describe("cookie tossing from a sibling subdomain, in Chromium", () => {
  let tls: Tls;
  let browser: Browser;
  let attackerSetCookie: string[] = [];
  let evil: Served;
  beforeAll(async () => {
    tls = makeCertificate();
    browser = await launchChromium([`--host-resolver-rules=MAP *.${PARENT} 127.0.0.1`, "--ignore-certificate-errors"]);
    // The attacker controls evil.hogwarts.test and answers with whatever cookies it likes.
    evil = await serveTls(tls, (_request, response) => {
      response.writeHead(200, { "content-type": "text/html", "set-cookie": attackerSetCookie });
      response.end("<p>nothing to see</p>");
    });
  });
  afterAll(async () => {
    await browser?.close();
    await evil?.close();
  });

  /** The app over HTTPS at app.hogwarts.test, recording the Cookie header of each /graphql call. */
  async function serveApp(app: TestApp) {
    const cookieHeaders: string[] = [];
    const served = await serveTls(tls, (request, response) => {
      if (request.url?.startsWith("/graphql")) cookieHeaders.push(request.headers.cookie ?? "");
      if (request.url === "/") {
        response.writeHead(200, { "content-type": "text/html" }).end("<p>app</p>");
        return;
      }
      app.yoga(request, response);
    });
    return { ...served, cookieHeaders, origin: `https://app.${PARENT}:${served.port}` };
  }

  describe("with the cookie named session", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp("pglite", { SESSION_COOKIE_SECURE: "true" });
    });
    afterAll(() => app?.dispose());

    it("the planted cookie is sent first, and the request is anonymous rather than the attacker's", async () => {
      const served = await serveApp(app);
      const attacker = app.client();
      await attacker.login(DEMO.luna.username, DEMO.luna.password);
      expect(attacker.lastSetCookie[0]).toMatch(/^session=Fe26/);
      attackerSetCookie = [
        `session=${attacker.cookie}; Domain=${PARENT}; Path=/graphql; Secure; HttpOnly; SameSite=Lax`,
      ];
      const page = await browser.context.newPage();
      try {
        await page.goto(`${served.origin}/`);
        expect(await gqlFrom(page, LOGIN, { u: DEMO.harry.username, p: DEMO.harry.password })).toEqual({
          data: { login: { username: "harry" } },
        });
        expect(await gqlFrom(page, ME)).toEqual({ data: { me: { username: "harry" } } });

        await page.goto(`https://evil.${PARENT}:${evil.port}/`);
        const planted = (await browser.context.cookies()).filter((c) => c.domain === `.${PARENT}`);
        expect(planted).toMatchObject([{ name: "session", path: "/graphql", value: attacker.cookie }]);

        await page.goto(`${served.origin}/`);
        served.cookieHeaders.length = 0;
        expect(await gqlFrom(page, ME)).toEqual({ data: { me: null } });
        // The browser sends both, the planted one first (its path is longer).
        expect(served.cookieHeaders[0]).toMatch(new RegExp(`^session=${literal(attacker.cookie)}; session=`));
        expect(await gqlFrom(page, "{ students(house: GRYFFINDOR) { totalCount } }")).toMatchObject({
          errors: [{ extensions: { code: "UNAUTHENTICATED" } }],
        });

        // Harry signs in again: it answers, but while the planted cookie is sent he stays
        // anonymous. The server cannot expire a cookie the parent domain holds.
        expect(await gqlFrom(page, LOGIN, { u: DEMO.harry.username, p: DEMO.harry.password })).toEqual({
          data: { login: { username: "harry" } },
        });
        expect(await gqlFrom(page, ME)).toEqual({ data: { me: null } });
        const jar = await browser.context.cookies();
        expect(jar.map((c) => `${c.domain}${c.path}`).sort()).toEqual([`.${PARENT}/graphql`, `app.${PARENT}/`]);
      } finally {
        await page.close();
        await browser.context.clearCookies();
        await served.close();
      }
    });
  });

  describe("with production's default name, __Host-session", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await createTestApp("pglite", { NODE_ENV: "production", SEED_ON_START: "true" });
    });
    afterAll(() => app?.dispose());

    it("the browser refuses the attacker's __Host- cookie with a Domain, and the victim stays signed in as themself", async () => {
      const served = await serveApp(app);
      const victim = await createUser(app, "victim", "PROFESSOR", null);
      const thief = await createUser(app, "thief", "PROFESSOR", null);
      const attacker = app.client();
      await attacker.login(thief.username, thief.password);
      expect(attacker.lastSetCookie[0]).toMatch(/^__Host-session=Fe26.*; Secure$/);
      attackerSetCookie = [
        `__Host-session=${attacker.cookie}; Domain=${PARENT}; Path=/; Secure; HttpOnly; SameSite=Lax`,
        `__Host-session=${attacker.cookie}; Domain=${PARENT}; Path=/graphql; Secure; HttpOnly; SameSite=Lax`,
        // A control: the same response may set an ordinary cookie on the parent domain.
        `control=planted; Domain=${PARENT}; Path=/; Secure; SameSite=Lax`,
      ];
      const page = await browser.context.newPage();
      try {
        await page.goto(`${served.origin}/`);
        expect(await gqlFrom(page, LOGIN, { u: victim.username, p: victim.password })).toEqual({
          data: { login: { username: "victim" } },
        });
        const [own] = await browser.context.cookies();
        expect(own).toMatchObject({ name: "__Host-session", domain: `app.${PARENT}`, path: "/", secure: true });

        await page.goto(`https://evil.${PARENT}:${evil.port}/`);
        const jar = await browser.context.cookies();
        expect(jar.map((c) => [c.name, c.domain, c.path]).sort()).toEqual([
          ["__Host-session", `app.${PARENT}`, "/"],
          ["control", `.${PARENT}`, "/"],
        ]);

        await page.goto(`${served.origin}/`);
        served.cookieHeaders.length = 0;
        expect(await gqlFrom(page, ME)).toEqual({ data: { me: { username: "victim" } } });
        expect(served.cookieHeaders[0].match(/__Host-session=/g)).toHaveLength(1);
      } finally {
        await page.close();
        await browser.context.clearCookies();
        await served.close();
      }
    });
  });
});

/** A seal as a literal in a RegExp. */
function literal(text: string | null): string {
  return (text ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
