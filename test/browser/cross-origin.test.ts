// A front end on another origin, in Chromium: credentials across origins, CORS_ORIGINS, SameSite.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../helpers/app.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { type Listening, type ServedApp, servePage, serveTestApp } from "../helpers/server.js";

const FRONT_END = readFileSync(new URL("../../examples/browser/index.html", import.meta.url), "utf8");

/** Opens the front end at `pageOrigin`, signs in as Harry and waits for the outcome. */
async function signInFrom(browser: Browser, pageOrigin: string, api: string) {
  const page: Page = await browser.context.newPage();
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(api)}`);
  await page.fill("input[name=username]", DEMO.harry.username);
  await page.fill("input[name=password]", DEMO.harry.password);
  await page.click("button[type=submit]");
  await expect.poll(() => page.textContent("#status"), { timeout: 30_000 }).not.toBe("signed out");
  const result = {
    status: await page.textContent("#status"),
    students: await page.locator("#students li").allTextContents(),
  };
  await page.close();
  return result;
}

const GRYFFINDOR_FIRST = ["Colin Creevey", "Dean Thomas", "Fred Weasley"];

describe("a front end on another origin", () => {
  let browser: Browser;
  let pages: Listening[];
  let listed: Listening;
  let unlisted: Listening;
  beforeAll(async () => {
    browser = await launchChromium();
    pages = await Promise.all([servePage(FRONT_END), servePage(FRONT_END)]);
    [listed, unlisted] = pages;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all((pages ?? []).map((p) => p.close()));
  });

  describe("with the default cookie (SameSite=Lax)", () => {
    let served: ServedApp;
    let api: string;
    beforeAll(async () => {
      // The listed page is allowed on both of its names: localhost (same site) and 127.0.0.1.
      const origins = `http://localhost:${listed.port},http://127.0.0.1:${listed.port}`;
      served = await serveTestApp("pglite", { CORS_ORIGINS: origins });
      api = `http://localhost:${served.port}/graphql`;
    });
    afterAll(() => served?.close());

    it("same site (localhost:A to localhost:B): signs in with credentials: 'include' and reads students", async () => {
      const result = await signInFrom(browser, `http://localhost:${listed.port}`, api);
      expect(result.status).toBe("signed in as Harry Potter");
      expect(result.students.slice(0, 3)).toEqual(GRYFFINDOR_FIRST);
      expect(result.students).toHaveLength(12);
      const [cookie] = await browser.context.cookies(`http://localhost:${served.port}`);
      expect(cookie).toMatchObject({ name: "session", sameSite: "Lax", httpOnly: true });
      await browser.context.clearCookies();
    });

    it("gets nothing from an origin not in CORS_ORIGINS, and the login never reaches the server", async () => {
      const before = await served.app.db.prisma.session.count();
      const result = await signInFrom(browser, `http://localhost:${unlisted.port}`, api);
      expect(result).toEqual({ status: "request failed: TypeError", students: [] });
      // The JSON POST needs a preflight, which the API answers without a CORS grant.
      expect(await served.app.db.prisma.session.count()).toBe(before);
      expect(await browser.context.cookies(`http://localhost:${served.port}`)).toEqual([]);
    });

    it("cross site (127.0.0.1:A to localhost:B): login answers but the browser keeps no cookie", async () => {
      const before = await served.app.db.prisma.session.count();
      const result = await signInFrom(browser, `http://127.0.0.1:${listed.port}`, api);
      expect(result).toEqual({ status: "signed in as Harry Potter, students: UNAUTHENTICATED", students: [] });
      expect(await served.app.db.prisma.session.count()).toBe(before + 1);
      expect(await browser.context.cookies(`http://localhost:${served.port}`)).toEqual([]);
    });
  });

  describe("cross site (127.0.0.1:A calling localhost:B)", () => {
    it("with SameSite=None; Secure but unpartitioned, a browser blocking third-party cookies drops it", async () => {
      // Debian's Chromium with a fresh profile blocks third-party cookies (DevTools names the
      // reason "UserPreferences"), as Safari does and as many Chrome users choose.
      const served = await serveTestApp("pglite", {
        CORS_ORIGINS: `http://127.0.0.1:${listed.port}`,
        SESSION_COOKIE_SAMESITE: "none",
        SESSION_COOKIE_SECURE: "true",
      });
      try {
        const result = await signInFrom(
          browser,
          `http://127.0.0.1:${listed.port}`,
          `http://localhost:${served.port}/graphql`,
        );
        expect(result).toEqual({ status: "signed in as Harry Potter, students: UNAUTHENTICATED", students: [] });
      } finally {
        await browser.context.clearCookies();
        await served.close();
      }
    });

    it("with SameSite=None; Secure; Partitioned signs in and reads students", async () => {
      const served = await serveTestApp("pglite", {
        CORS_ORIGINS: `http://127.0.0.1:${listed.port}`,
        SESSION_COOKIE_SAMESITE: "none",
        SESSION_COOKIE_SECURE: "true",
        SESSION_COOKIE_PARTITIONED: "true",
      });
      try {
        const result = await signInFrom(
          browser,
          `http://127.0.0.1:${listed.port}`,
          `http://localhost:${served.port}/graphql`,
        );
        expect(result.status).toBe("signed in as Harry Potter");
        expect(result.students.slice(0, 3)).toEqual(GRYFFINDOR_FIRST);
        expect(result.students).toHaveLength(12);
        // Partitioned: kept for the front end's site only, so the API's own site holds nothing.
        const [cookie] = await browser.context.cookies(`http://localhost:${served.port}`);
        expect(cookie).toMatchObject({ name: "session", sameSite: "None", secure: true, httpOnly: true });
        expect(cookie.partitionKey).toBe("http://127.0.0.1");
      } finally {
        await browser.context.clearCookies();
        await served.close();
      }
    });
  });
});
