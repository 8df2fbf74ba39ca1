// GraphiQL's subscription in real headless Chromium: subscribe in one page, see an award arrive,
// sign out in another page of the same browser and see the stream end with UNAUTHENTICATED.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp } from "../helpers/app.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { BACKENDS } from "../helpers/database.js";
import { waitFor } from "../helpers/sse.js";
import { serveWithWebSocket, type WsServer } from "../helpers/ws.js";

async function resultPane(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads.
  return (await page.locator(".graphiql-response").innerText()).replace(/\u00a0/g, " ");
}

/** Types `document` into GraphiQL's editor and runs it (Ctrl+Enter). */
async function type(page: Page, document: string): Promise<void> {
  await page.locator(".graphiql-query-editor .monaco-editor").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(document);
  await page.waitForFunction((text) => localStorage.getItem("graphiql:query") === text, document);
  await page.keyboard.press("Control+Enter");
}

async function open(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/graphql`, { waitUntil: "load", timeout: 90_000 });
  await page.locator(".graphiql-query-editor .monaco-editor").first().waitFor({ timeout: 90_000 });
  return page;
}

describe.each(BACKENDS)("GraphiQL subscription in Chromium (%s)", (backend) => {
  let app: TestApp;
  let server: WsServer;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([createTestApp(backend), launchChromium()]);
    server = await serveWithWebSocket(app);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.dispose();
  });

  it("shows each award as it happens and ends the stream when the session signs out", async () => {
    const origin = `http://localhost:${server.port}`;
    const live = await open(browser, origin);
    await type(live, `mutation SignIn { login(username: "harry", password: "${DEMO.harry.password}") { username } }`);
    await expect.poll(() => resultPane(live), { timeout: 30_000 }).toContain('"username": "harry"');
    await type(live, "subscription Live { pointsAwarded { house points reason houseTotal } }");
    await waitFor(() => app.live.size === 1, 30_000);

    const prof = app.client();
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    const award = await prof.gql<{ awardPoints: { points: number } }>(
      `mutation { awardPoints(house: GRYFFINDOR, points: 50, reason: "Chess under pressure") { points } }`,
    );
    const total = award.body.data?.awardPoints.points;
    await expect.poll(() => resultPane(live), { timeout: 30_000 }).toContain('"reason": "Chess under pressure"');
    expect(await resultPane(live)).toContain(`"houseTotal": ${total}`);

    const other = await open(browser, origin);
    await type(other, "mutation SignOut { logout }");
    await expect.poll(() => resultPane(other), { timeout: 30_000 }).toContain('"logout": true');
    await expect.poll(() => resultPane(live), { timeout: 5_000 }).toContain('"code": "UNAUTHENTICATED"');
    expect(app.live.size).toBe(0);
    await Promise.all([live.close(), other.close()]);
  });
});
