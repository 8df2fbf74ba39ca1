// Recovery by email on the account page in real headless Chromium, the links taken from a real SMTP server.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../helpers/app.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { BACKENDS } from "../helpers/database.js";
import { type ServedApp, serveTestApp } from "../helpers/server.js";
import { type Received, startSmtp, type TestSmtp } from "../helpers/smtp.js";
import { codeAt, enroll } from "../helpers/totp.js";

/** `UPDATE_SCREENSHOTS=1` rewrites docs/account-reset.png from the pglite run. */
const SHOTS = process.env.UPDATE_SCREENSHOTS === "1" ? new URL("../../docs/", import.meta.url) : null;

/** A loaded machine can take seconds between a click and the page's redraw. */
const POLL = { timeout: 20_000 };

const SENT_IF_KNOWN = /^If that address belongs to an account, a link to choose a new password is on its way/;
const LINK_GONE = /^This link is no longer valid/;

/** The first link in a received message's text. */
function linkIn(mail: Received): string {
  const match = mail.text.match(/https?:\/\/\S+/);
  if (!match) throw new Error(`no link in "${mail.subject}"`);
  return match[0];
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  const form = page.locator("#signed-out");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe.each(BACKENDS)("recovery by email on the account page in Chromium (%s)", (backend) => {
  let served: ServedApp;
  let browser: Browser;
  let smtp: TestSmtp;
  let origin: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    [served, browser] = await Promise.all([
      serveTestApp(backend, { SMTP_URL: smtp.url }, { mailPollMs: 50 }),
      launchChromium(),
    ]);
    origin = `http://localhost:${served.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await smtp?.stop();
  });

  /** Asks for a reset of `email` from the page's "Forgot password?" form; the neutral answer shows. */
  async function requestOnPage(page: Page, email: string): Promise<void> {
    const forgot = page.locator("#forgot");
    if (!(await forgot.evaluate((details: HTMLDetailsElement) => details.open))) {
      await forgot.getByText("Forgot password?").click();
    }
    await forgot.getByLabel("Email address").fill(email);
    await forgot.getByRole("button", { name: "Email me a link" }).click();
    await expect.poll(() => page.locator("#status").textContent(), POLL).toMatch(SENT_IF_KNOWN);
  }

  /** The reset link of the next message to `to`, after `before` messages had arrived. */
  async function resetLink(to: string, before: number): Promise<string> {
    const mail = await smtp.waitFor(
      (m) => smtp.received.indexOf(m) >= before && m.to === to && /Reset/.test(m.subject),
    );
    return linkIn(mail);
  }

  it("resets a forgotten password from the emailed link, drops the token from the address, and refuses the link again", async () => {
    await browser.context.clearCookies(); // each test starts signed out
    let page = await browser.context.newPage();
    await page.goto(`${origin}/account`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // An unknown address gets the same words and no mail.
    const before = smtp.received.length;
    await requestOnPage(page, "nobody@hogwarts.test");
    const unknownAnswer = await page.locator("#status").textContent();
    await requestOnPage(page, "harry@hogwarts.test");
    expect(await page.locator("#status").textContent()).toBe(unknownAnswer);
    const link = await resetLink("harry@hogwarts.test", before);
    expect(link).toMatch(new RegExp(`^${origin}/account#reset=[A-Za-z0-9_-]{43}$`));
    expect(smtp.received.slice(before).map((m) => m.to)).not.toContain("nobody@hogwarts.test");

    // Opened from the mail in a new tab: the page loads with the token in its fragment.
    await page.close();
    page = await browser.context.newPage();
    await page.goto(link);
    const reset = page.locator("#reset");
    await reset.getByRole("heading", { name: "Choose a new password" }).waitFor();
    expect(page.url()).toBe(`${origin}/account`);
    expect(await page.evaluate(() => location.hash)).toBe("");
    // The heading has the focus: the keyboard goes on from there into the form.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("reset-title");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("reset-password");
    await page.keyboard.type("invisibility-cloak-42");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent(), POLL).toMatch(/^Password changed/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    await signIn(page, DEMO.harry.username, "invisibility-cloak-42");
    await expect.poll(() => page.locator("#who").textContent(), POLL).toBe("Harry Potter (harry)");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // The same link again, in the same tab (only the fragment changes): spent; the page offers a new one.
    await page.goto(link);
    await reset.getByLabel("New password").fill("another-cloak-43");
    await reset.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.locator("#problem").textContent(), POLL).toMatch(LINK_GONE);
    expect(await page.locator("#signed-out").isVisible()).toBe(true);
    expect(await page.locator("#forgot-email").isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("forgot-email");
    expect(page.url()).toBe(`${origin}/account`);
    // Nothing changed: the password from the first use still works.
    await signIn(page, DEMO.harry.username, "invisibility-cloak-42");
    await expect.poll(() => page.locator("#who").textContent(), POLL).toBe("Harry Potter (harry)");
    await page.close();
  });

  it("asks for the authenticator code when the account has one, and takes a wrong one back", async () => {
    await browser.context.clearCookies();
    const { app } = served;
    const luna = app.client();
    await luna.login(DEMO.luna.username, DEMO.luna.password);
    const { secret } = await enroll(app, luna);

    let page = await browser.context.newPage();
    await page.goto(`${origin}/account`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const before = smtp.received.length;
    await requestOnPage(page, "luna@hogwarts.test");
    const link = await resetLink("luna@hogwarts.test", before);

    await page.close();
    page = await browser.context.newPage();
    await page.goto(link);
    const reset = page.locator("#reset");
    const code = reset.getByLabel("Code from your authenticator app, or a recovery code");
    expect(await code.isHidden()).toBe(true);
    await reset.getByLabel("New password").fill("spectrespecs-and-radishes-3");
    await reset.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.locator("#status").textContent(), POLL).toMatch(/has a second factor/);
    expect(await code.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("reset-code");
    if (SHOTS && backend === "pglite") await page.screenshot({ path: new URL("account-reset.png", SHOTS).pathname });

    const right = codeAt(secret, app.clock.now);
    await code.fill(right === "000000" ? "111111" : "000000");
    await reset.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.locator("#problem").textContent(), POLL).toBe("Invalid or already used code.");
    expect(await code.isVisible()).toBe(true);
    expect(await reset.getByRole("button", { name: "Ask for a new link" }).isVisible()).toBe(true);

    await code.fill(right);
    await reset.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.locator("#status").textContent(), POLL).toMatch(/^Password changed/);
    await signIn(page, DEMO.luna.username, "spectrespecs-and-radishes-3");
    await page.getByRole("heading", { name: "Second step" }).waitFor();
    app.clock.advance(30); // the reset's code step is spent
    await page
      .locator("#pending")
      .getByLabel(/Code from your authenticator app/)
      .fill(codeAt(secret, app.clock.now));
    await page.getByRole("button", { name: "Verify code" }).click();
    await expect.poll(() => page.locator("#who").textContent(), POLL).toContain("(luna)");
    await page.close();
  });

  it("confirms a new address from the emailed link and shows it on the account", async () => {
    await browser.context.clearCookies();
    let page = await browser.context.newPage();
    await page.goto(`${origin}/account`);
    await signIn(page, DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await expect.poll(() => page.locator("#email-state").textContent(), POLL).toMatch(/^mcgonagall@hogwarts\.test /);

    const before = smtp.received.length;
    await page.getByLabel("New email address").fill("minerva@transfiguration.test");
    await page.getByRole("button", { name: "Send a confirmation link" }).click();
    await expect.poll(() => page.locator("#status").textContent(), POLL).toMatch(/on its way to minerva@/);
    const mail = await smtp.waitFor(
      (m) => smtp.received.indexOf(m) >= before && m.to === "minerva@transfiguration.test",
    );
    const link = linkIn(mail);
    expect(link).toMatch(new RegExp(`^${origin}/account#verify=[A-Za-z0-9_-]{43}$`));
    // Not moved until the link is followed.
    expect(await page.locator("#email-state").textContent()).toMatch(/^mcgonagall@hogwarts\.test /);

    // Followed in a new tab of the same browser, still signed in: the account shows the new address.
    await page.close();
    page = await browser.context.newPage();
    await page.goto(link);
    await expect
      .poll(() => page.locator("#status").textContent(), POLL)
      .toMatch(/^Your new email address is confirmed/);
    await expect
      .poll(() => page.locator("#email-state").textContent(), POLL)
      .toMatch(/^minerva@transfiguration\.test /);
    expect(page.url()).toBe(`${origin}/account`);
    await smtp.waitFor((m) => m.to === "mcgonagall@hogwarts.test" && m.subject === "Your email address was changed");

    // Again, signed out: spent, and the sign-in view stays.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.goto(link);
    await expect
      .poll(() => page.locator("#problem").textContent(), POLL)
      .toMatch(/^This address link is no longer valid/);
    expect(await page.locator("#signed-out").isVisible()).toBe(true);
    expect(page.url()).toBe(`${origin}/account`);
    await page.close();
  });
});
