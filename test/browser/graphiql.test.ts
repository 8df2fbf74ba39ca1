// GraphiQL served by the app, in real headless Chromium: sign in, read students, sign out.
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_DOCUMENT } from "../../src/http/graphiql-document.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { BACKENDS } from "../helpers/database.js";
import { type ServedApp, serveTestApp } from "../helpers/server.js";

const SCREENSHOT_DIR = new URL("../../test-results/", import.meta.url);

/** What the result pane shows, with Monaco's non-breaking spaces made plain. */
async function resultPane(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text a user reads.
  const text = await page.locator(".graphiql-response").innerText();
  return text.replace(/\u00a0/g, " ");
}

/**
 * Replaces the editor's text with `document` the way a user pastes it, runs it with
 * Ctrl+Enter and waits until the result pane shows `expected`. Returns the JSON the server sent.
 */
async function run(page: Page, document: string, expected: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  // insertText: one input event, so Monaco's bracket auto-closing does not double braces.
  await page.keyboard.insertText(document);
  // GraphiQL takes editor changes into its state after a debounce and then saves them;
  // Ctrl+Enter before that would run the previous document.
  await page.waitForFunction((text) => localStorage.getItem("graphiql:query") === text, document);
  // GraphiQL sends the document reprinted without insignificant characters; its name stays.
  const name = /^(?:query|mutation) (\w+)/.exec(document)?.[1] as string;
  const response = page.waitForResponse((r) => {
    if (!r.url().endsWith("/graphql") || r.request().method() !== "POST") return false;
    const sent = r.request().postDataJSON() as { query?: string } | null;
    return new RegExp(`^(query|mutation) ?${name}\\b`).test(sent?.query ?? "");
  });
  await page.keyboard.press("Control+Enter");
  const body = await (await response).json();
  await expect.poll(() => resultPane(page), { timeout: 30_000 }).toContain(expected);
  return body;
}

describe.each(BACKENDS)("GraphiQL in Chromium (%s)", (backend) => {
  let served: ServedApp;
  let browser: Browser;
  beforeAll(async () => {
    [served, browser] = await Promise.all([serveTestApp(backend), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it("opens on a ready document whose named operations sign in, read me and students, and sign out", async () => {
    const page = await browser.context.newPage();
    const origin = `http://localhost:${served.port}`;
    await page.goto(`${origin}/graphql`, { waitUntil: "load", timeout: 90_000 });
    const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
    await editor.waitFor({ timeout: 90_000 });
    /** Puts the caret on the line that starts `operation` and runs it with Ctrl+Enter. */
    const lines = DEVELOPMENT_DOCUMENT.split("\n");
    const runAt = async (operation: string, expected: string) => {
      // Monaco draws only the lines in view: move the caret there by keyboard, as a user would.
      await editor.click();
      await page.keyboard.press("Control+Home");
      for (let i = lines.findIndex((l) => l.startsWith(operation)); i > 0; i--) await page.keyboard.press("ArrowDown");
      const name = operation.split(" ")[1] as string;
      const response = page.waitForResponse((r) => {
        const sent = r.request().postDataJSON() as { operationName?: string } | null;
        return r.url().endsWith("/graphql") && r.request().method() === "POST" && sent?.operationName === name;
      });
      await page.keyboard.press("Control+Enter");
      const body = await (await response).json();
      await expect.poll(() => resultPane(page), { timeout: 30_000 }).toContain(expected);
      return body;
    };
    expect(await runAt("mutation SignIn", '"displayName": "Harry Potter"')).toMatchObject({
      data: { login: { username: "harry", house: "GRYFFINDOR" } },
    });
    expect(await runAt("query Me", '"role": "STUDENT"')).toMatchObject({ data: { me: { username: "harry" } } });
    expect(await runAt("query Students", '"totalCount": 12')).toMatchObject({
      data: { students: { totalCount: 12, pageInfo: { hasNextPage: true } } },
    });
    // Without a pending sign-in the second step says so, plainly.
    expect(await runAt("mutation SecondStep", '"code": "UNAUTHENTICATED"')).toMatchObject({
      errors: [{ extensions: { code: "UNAUTHENTICATED" } }],
    });
    expect(await runAt("mutation SignOut", '"logout": true')).toEqual({ data: { logout: true } });
    expect((await browser.context.cookies(origin)).filter((c) => c.name === "session")).toEqual([]);
    await page.evaluate(() => localStorage.clear());
    await page.close();
  });

  it("signs in with the login mutation, lists a house's students, and after logout shows UNAUTHENTICATED", async () => {
    const page = await browser.context.newPage();
    const origin = `http://localhost:${served.port}`;
    // The bundled page is about 9 MB; on a busy machine it can take a while.
    await page.goto(`${origin}/graphql`, { waitUntil: "load", timeout: 90_000 });
    await page.locator(".graphiql-query-editor .monaco-editor").first().waitFor({ timeout: 90_000 });

    const login = await run(
      page,
      'mutation SignIn { login(username: "harry", password: "lumos-maxima-1991") { username displayName house } }',
      '"displayName": "Harry Potter"',
    );
    expect(login).toEqual({ data: { login: { username: "harry", displayName: "Harry Potter", house: "GRYFFINDOR" } } });
    const [cookie] = (await browser.context.cookies(origin)).filter((c) => c.name === "session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });

    const query = "query Gryffindor { students(house: GRYFFINDOR, first: 5) { totalCount edges { node { name } } } }";
    const students = await run(page, query, '"name": "Colin Creevey"');
    const names = ["Colin Creevey", "Dean Thomas", "Fred Weasley", "George Weasley", "Ginny Weasley"];
    expect(students).toEqual({
      data: { students: { totalCount: 12, edges: names.map((name) => ({ node: { name } })) } },
    });
    const pane = await resultPane(page);
    for (const name of names) expect(pane).toContain(`"name": "${name}"`);
    // Prettify so that the screenshot shows the whole query.
    await page.getByRole("button", { name: /prettify/i }).click();
    await page.waitForFunction(() => localStorage.getItem("graphiql:query")?.includes("\n"));
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: new URL(`graphiql-signed-in-${backend}.png`, SCREENSHOT_DIR).pathname });

    await run(page, "mutation SignOut { logout }", '"logout": true');
    expect((await browser.context.cookies(origin)).filter((c) => c.name === "session")).toEqual([]);

    const after = await run(page, query, '"code": "UNAUTHENTICATED"');
    expect(after).toMatchObject({
      data: null,
      errors: [{ path: ["students"], extensions: { code: "UNAUTHENTICATED" } }],
    });
    expect(await resultPane(page)).not.toContain("Colin Creevey");
    await page.close();
  });
});
