// Passkeys on the account page in real headless Chromium with a CDP virtual authenticator.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../helpers/app.js";
import { type Browser, launchChromium } from "../helpers/browser.js";
import { BACKENDS } from "../helpers/database.js";
import { type Listening, type ServedApp, servePage, serveTestApp } from "../helpers/server.js";
import { codeAt } from "../helpers/totp.js";

/** `UPDATE_SCREENSHOTS=1` rewrites docs/account-*.png from the pglite run. */
const SHOTS = process.env.UPDATE_SCREENSHOTS === "1" ? new URL("../../docs/", import.meta.url) : null;

/** A page with its own platform authenticator: resident keys, user verification, always verified. */
async function pageWithAuthenticator(browser: Browser): Promise<{ page: Page; credentials: () => Promise<unknown[]> }> {
  const page = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const credentials = async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
  return { page, credentials };
}

/** A GraphQL POST from Node with a given Cookie header; returns the body and the Set-Cookie pairs. */
async function post(origin: string, cookie: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-graphql-yoga-csrf": "1", cookie },
    body: JSON.stringify({ query, variables }),
  });
  const pairs = response.headers.getSetCookie().map((line) => line.split(";")[0] as string);
  return { status: response.status, body: await response.json(), cookies: pairs.filter((p) => !p.endsWith("=")) };
}

/** A loaded machine can take seconds between a click and the page's redraw. */
const POLL = { timeout: 20_000 };

const OPTIONS = "mutation($u: String) { passkeyLoginOptions(username: $u) }";
const LOGIN = "mutation($r: JSON!) { loginWithPasskey(response: $r) { username } }";

/** Asks the page's authenticator for an assertion over `options` (request options JSON). */
function assertionIn(page: Page, options: unknown): Promise<unknown> {
  return page.evaluate(async (json) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as PublicKeyCredentialRequestOptionsJSON);
    const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
    return credential.toJSON();
  }, options);
}

async function signInWithPassword(page: Page, username: string, password: string): Promise<void> {
  const form = page.locator("#signed-out");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe.each(BACKENDS)("passkeys on the account page in Chromium (%s)", (backend) => {
  let served: ServedApp;
  let browser: Browser;
  let other: Listening;
  let origin: string;
  beforeAll(async () => {
    [served, browser, other] = await Promise.all([
      serveTestApp(backend),
      launchChromium(),
      servePage("<!doctype html><title>another origin</title>"),
    ]);
    origin = `http://localhost:${served.port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await other?.close();
    await served?.close();
  });

  it("registers a passkey, signs in with it alone and after a password, refuses replays, other origins and other users, and stops after removal", async () => {
    const started = Date.now();
    await browser.context.clearCookies(); // each test starts signed out
    const { page, credentials } = await pageWithAuthenticator(browser);
    const problem = page.locator("#problem");
    await page.goto(`${origin}/account`);
    await signInWithPassword(page, DEMO.harry.username, DEMO.harry.password);
    await expect.poll(() => page.locator("#who").textContent(), POLL).toBe("Harry Potter (harry)");

    await page.getByLabel("Name for a new passkey").fill("Harry's laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("button", { name: "Remove Harry's laptop" }).waitFor();
    expect(await credentials()).toEqual([expect.objectContaining({ isResidentCredential: true })]);
    if (SHOTS && backend === "pglite") await page.screenshot({ path: new URL("account-passkeys.png", SHOTS).pathname });

    // Passwordless: sign out, then the passkey alone.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(() => page.locator("#who").textContent(), POLL).toBe("Harry Potter (harry)");
    await expect.poll(() => page.locator("#sessions").textContent(), POLL).toContain("hwk, user, mfa");

    // As the second factor after a password.
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInWithPassword(page, DEMO.harry.username, DEMO.harry.password);
    await page.getByRole("heading", { name: "Second step" }).waitFor();
    expect(await page.locator("#code-form").isHidden()).toBe(true); // no TOTP: only the passkey is offered
    if (SHOTS && backend === "pglite")
      await page.screenshot({ path: new URL("account-second-step.png", SHOTS).pathname });
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await expect.poll(() => page.locator("#sessions").textContent(), POLL).toContain("pwd, hwk, user, mfa");

    // Replay: one assertion, sent twice from Node with the browser's challenge cookie.
    const jar = async () => (await browser.context.cookies(origin)).map((c) => `${c.name}=${c.value}`).join("; ");
    const options = await post(origin, "", OPTIONS);
    const challengeCookie = options.cookies.join("; ");
    expect(challengeCookie).toMatch(/^session-challenge=/);
    const assertion = await assertionIn(page, options.body.data.passkeyLoginOptions);
    const first = await post(origin, challengeCookie, LOGIN, { r: assertion });
    expect(first.body).toEqual({ data: { loginWithPasskey: { username: "harry" } } });
    const again = await post(origin, challengeCookie, LOGIN, { r: assertion });
    expect(again.body.errors[0].extensions.code).toBe("INVALID_CREDENTIALS");
    // The same assertion with a fresh challenge cookie: the challenge inside it is not that cookie's.
    const fresh = (await post(origin, "", OPTIONS)).cookies.join("; ");
    const foreign = await post(origin, fresh, LOGIN, { r: assertion });
    expect(foreign.body.errors[0].extensions.code).toBe("INVALID_CREDENTIALS");

    // Made for another origin (same RP id, another port): refused.
    const elsewhere = await browser.context.newPage();
    const cdp2 = await browser.context.newCDPSession(elsewhere);
    await cdp2.send("WebAuthn.enable");
    const { authenticatorId: second } = await cdp2.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    // The same key, moved onto that page's authenticator.
    for (const credential of (await credentials()) as { credentialId: string }[]) {
      await cdp2.send("WebAuthn.addCredential", { authenticatorId: second, credential: credential as never });
    }
    await elsewhere.goto(`http://localhost:${other.port}/`);
    const phish = await post(origin, "", OPTIONS);
    const phished = await assertionIn(elsewhere, phish.body.data.passkeyLoginOptions);
    const refused = await post(origin, phish.cookies.join("; "), LOGIN, { r: phished });
    expect(refused.body.errors[0].extensions.code).toBe("INVALID_CREDENTIALS");
    await elsewhere.close();

    // Harry's credential cannot answer a challenge for Luna.
    const forLuna = await post(origin, "", OPTIONS, { u: DEMO.luna.username });
    const harrys = await assertionIn(page, forLuna.body.data.passkeyLoginOptions);
    const asLuna = await post(origin, forLuna.cookies.join("; "), LOGIN, { r: harrys });
    expect(asLuna.body.errors[0].extensions.code).toBe("INVALID_CREDENTIALS");
    expect(asLuna.body.data).toBeNull();

    // Removed: the authenticator still holds the key, the server no longer accepts it.
    expect(await jar()).toContain("session=");
    await page.getByRole("button", { name: "Remove Harry's laptop" }).click();
    await expect.poll(() => page.locator("#passkeys").textContent(), POLL).toContain("No passkeys yet.");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect.poll(() => problem.textContent(), POLL).toBe("The passkey could not be verified.");
    expect(await page.locator("#signed-out").isVisible()).toBe(true);
    console.info(`passkey browser flow (${backend}): ${Date.now() - started} ms`);
    await page.close();
  });

  it("enrols TOTP with the QR code, shows recovery codes once, signs in with a code, and asks again before ending another session", async () => {
    const started = Date.now();
    await browser.context.clearCookies(); // each test starts signed out
    const { app } = served;
    // Another session of Luna's, to end from the page.
    const elsewhere = app.client("Owl Post/1.0");
    await elsewhere.login(DEMO.luna.username, DEMO.luna.password);
    const { page } = await pageWithAuthenticator(browser);
    await page.goto(`${origin}/account`);
    await signInWithPassword(page, DEMO.luna.username, DEMO.luna.password);
    await expect.poll(() => page.locator("#who").textContent(), POLL).toContain("(luna)");

    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await expect.poll(() => page.locator("#totp-qr").getAttribute("src"), POLL).toMatch(/^data:image\/svg\+xml/);
    const secret = (await page.locator("#totp-secret").textContent()) as string;
    await page.getByLabel("Code shown by the app").fill(codeAt(secret, app.clock.now));
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => page.locator("#recovery-codes li").count(), POLL).toBe(10);
    await expect.poll(() => page.locator("#totp-state").textContent(), POLL).toBe("On. 10 recovery codes left.");
    if (SHOTS && backend === "pglite") await page.screenshot({ path: new URL("account-totp.png", SHOTS).pathname });

    await page.getByRole("button", { name: "Sign out" }).click();
    await signInWithPassword(page, DEMO.luna.username, DEMO.luna.password);
    await page.getByRole("heading", { name: "Second step" }).waitFor();
    app.clock.advance(30); // the confirming code's step is spent
    await page
      .locator("#pending")
      .getByLabel(/Code from your authenticator app/)
      .fill(codeAt(secret, app.clock.now));
    await page.getByRole("button", { name: "Verify code" }).click();
    // The account shows again only once the second step is done (signing out emptied it).
    await page.locator("#signed-in").waitFor({ state: "visible", ...POLL });
    expect(await page.locator("#who").textContent()).toBe("Luna Lovegood (luna)");
    expect(await page.locator("#recovery").isHidden()).toBe(true); // shown once, not after signing in again
    expect(await page.locator("#recovery-codes li").count()).toBe(0);

    // Ending another session after REAUTH_MAX_AGE asks for the password and a code first.
    app.clock.advance(601);
    await page.getByRole("button", { name: "End this session" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
    await dialog.waitFor(POLL);
    await dialog.getByLabel("Password").fill(DEMO.luna.password);
    await dialog.getByLabel(/Code/).fill(codeAt(secret, app.clock.now));
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#status").textContent(), POLL).toBe("Session ended.");
    await expect.poll(() => page.locator("#sessions li").count(), POLL).toBe(1);
    expect((await elsewhere.gql("{ me { username } }")).body.data).toEqual({ me: null });

    console.info(`TOTP browser flow (${backend}): ${Date.now() - started} ms`);
    await page.close();
  });
});
