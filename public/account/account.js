// The account page's script: talks to /graphql like any client (JSON, the CSRF header, the same-origin cookie).
import { setUpEmail } from "./email.js";

const $ = (id) => document.getElementById(id);

/** An expected GraphQL error, with its `extensions.code`. */
class ApiError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code;
    this.extensions = error.extensions ?? {};
  }
}

/** Runs one operation; throws ApiError for the first error. */
async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-graphql-yoga-csrf": "1" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new ApiError(body.errors[0]);
  return body.data;
}

function say(text) {
  $("problem").textContent = "";
  $("status").textContent = text;
}

function complain(error) {
  $("status").textContent = "";
  $("problem").textContent = error instanceof Error ? error.message : String(error);
}

/**
 * Drops everything the page showed of an account: its name and lists, a TOTP key being set up,
 * recovery codes, typed passwords. Nothing of it may stay in the page after signing out, where
 * the next sign-in in this tab (the same user or another) would show it again.
 */
function forget() {
  for (const id of ["who", "email-state", "passkeys", "sessions", "recovery-codes", "totp-secret", "totp-state"]) {
    $(id).replaceChildren();
  }
  $("totp-qr").removeAttribute("src");
  $("totp-enrol").hidden = true;
  $("recovery").hidden = true;
  for (const id of ["passkey-name", "totp-code", "current-password", "new-password", "new-email", "password", "code"]) {
    $(id).value = "";
  }
}

/** Shows one of the page's states (a section of main) and moves the focus to its heading, for keyboard and screen readers. */
function show(state) {
  if (state !== "signed-in") forget();
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== state;
  $(state).querySelector("h2").focus();
}

/** An assertion from the browser's passkey, answering a fresh challenge (for sign-in, second step or step-up). */
async function passkeyAssertion(username) {
  const { passkeyLoginOptions } = await gql(
    "mutation PasskeyOptions($u: String) { passkeyLoginOptions(username: $u) }",
    {
      u: username || null,
    },
  );
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(passkeyLoginOptions);
  const credential = await navigator.credentials.get({ publicKey });
  return credential.toJSON();
}

/** Asks for a recent sign-in in a dialog; resolves once it succeeded, rejects when cancelled. */
function reauthenticate() {
  const dialog = $("reauth");
  return new Promise((resolve, reject) => {
    const done = (ok, error) => {
      dialog.close();
      $("reauth-form").onsubmit = null;
      $("reauth-passkey").onclick = null;
      $("reauth-cancel").onclick = null;
      ok ? resolve() : reject(error);
    };
    const attempt = async (variables) => {
      try {
        await gql(
          "mutation StepUp($p: String, $c: String, $k: JSON) { reauthenticate(password: $p, code: $c, passkey: $k) }",
          variables,
        );
        done(true);
      } catch (error) {
        complain(error);
      }
    };
    $("reauth-form").onsubmit = (event) => {
      event.preventDefault();
      attempt({ p: $("reauth-password").value, c: $("reauth-code").value || null });
    };
    $("reauth-passkey").onclick = async () => {
      try {
        attempt({ k: await passkeyAssertion() });
      } catch (error) {
        complain(error);
      }
    };
    $("reauth-cancel").onclick = () => done(false, new Error("Cancelled."));
    $("reauth-password").value = "";
    $("reauth-code").value = "";
    dialog.showModal();
  });
}

/** Runs a change; when it needs a recent sign-in, asks for one and runs it once more. */
async function withStepUp(run) {
  try {
    return await run();
  } catch (error) {
    if (error.code !== "REAUTHENTICATION_REQUIRED") throw error;
    await reauthenticate();
    return run();
  }
}

/** A clickable list item: text, then a button. */
function item(text, label, onClick) {
  const li = document.createElement("li");
  li.append(`${text} `);
  if (label) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => onClick().catch(complain));
    li.append(button);
  }
  return li;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

/** Reads the account and draws it; the signed-out form when there is no session. */
async function render() {
  const data = await gql(`query Account {
    me { username displayName email security { totpEnabled recoveryCodesLeft passkeys { id name createdAt lastUsedAt } } }
  }`);
  if (!data.me) return show("signed-out");
  const { me } = data;
  const { mySessions } = await gql(
    "query Sessions { mySessions { id createdAt lastSeenAt userAgent current methods } }",
  );
  $("who").textContent = `${me.displayName} (${me.username})`;
  email.draw(me);
  $("passkeys").replaceChildren(
    ...me.security.passkeys.map((p) =>
      item(`${p.name}: added ${when(p.createdAt)}, last used ${when(p.lastUsedAt)}`, `Remove ${p.name}`, async () => {
        await withStepUp(() => gql("mutation RemovePasskey($id: ID!) { removePasskey(id: $id) }", { id: p.id }));
        say(`Passkey ${p.name} removed.`);
        await render();
      }),
    ),
  );
  if (me.security.passkeys.length === 0) $("passkeys").replaceChildren(item("No passkeys yet."));
  const totp = me.security.totpEnabled;
  $("totp-state").textContent = totp ? `On. ${me.security.recoveryCodesLeft} recovery codes left.` : "Off.";
  $("totp-start").hidden = totp;
  $("totp-disable").hidden = !totp;
  $("sessions").replaceChildren(
    ...mySessions.map((s) =>
      item(
        `${s.current ? "This browser" : s.userAgent || "Unknown client"}: since ${when(s.createdAt)}, last seen ${when(s.lastSeenAt)} (${s.methods.join(", ")})`,
        s.current ? null : "End this session",
        async () => {
          await withStepUp(() => gql("mutation EndSession($id: ID!) { revokeSession(id: $id) }", { id: s.id }));
          say("Session ended.");
          await render();
        },
      ),
    ),
  );
  if ($("signed-in").hidden) show("signed-in");
}

/** After a sign-in step: the account, or the second step when the server asks for it. */
async function signedIn(step) {
  try {
    await step();
    say("Signed in.");
    await render();
  } catch (error) {
    if (error.code !== "SECOND_FACTOR_REQUIRED") throw error;
    const methods = error.extensions.methods ?? [];
    $("code-form").hidden = !methods.includes("TOTP");
    $("passkey-second").hidden = !methods.includes("PASSKEY");
    say("Password accepted: one more step.");
    show("pending");
  }
}

function on(id, event, handler) {
  $(id).addEventListener(event, (e) => {
    if (event === "submit") e.preventDefault();
    Promise.resolve(handler(e)).catch(complain);
  });
}

on("password-form", "submit", () =>
  signedIn(() =>
    gql("mutation SignIn($u: String!, $p: String!) { login(username: $u, password: $p) { id } }", {
      u: $("username").value,
      p: $("password").value,
    }),
  ),
);
on("passkey-sign-in", "click", async () => {
  const response = await passkeyAssertion();
  await signedIn(() =>
    gql("mutation PasskeySignIn($r: JSON!) { loginWithPasskey(response: $r) { id } }", { r: response }),
  );
});
on("code-form", "submit", () =>
  signedIn(() =>
    gql("mutation SecondStep($c: String) { verifySecondFactor(code: $c) { id } }", { c: $("code").value }),
  ),
);
on("passkey-second", "click", async () => {
  const passkey = await passkeyAssertion();
  await signedIn(() => gql("mutation SecondStep($k: JSON) { verifySecondFactor(passkey: $k) { id } }", { k: passkey }));
});
on("cancel-pending", "click", async () => {
  await gql("mutation SignOut { logout }");
  show("signed-out");
});
on("sign-out", "click", async () => {
  await gql("mutation SignOut { logout }");
  say("Signed out.");
  show("signed-out");
});
on("add-passkey-form", "submit", async () => {
  const name = $("passkey-name").value.trim() || null;
  await withStepUp(async () => {
    const { passkeyRegistrationOptions } = await gql("mutation NewPasskey { passkeyRegistrationOptions }");
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(passkeyRegistrationOptions);
    const credential = await navigator.credentials.create({ publicKey });
    return gql("mutation AddPasskey($r: JSON!, $n: String) { registerPasskey(response: $r, name: $n) { id name } }", {
      r: credential.toJSON(),
      n: name,
    });
  });
  $("passkey-name").value = "";
  say("Passkey added.");
  await render();
});
on("totp-start", "click", async () => {
  const { startTotpEnrollment: e } = await withStepUp(() =>
    gql("mutation StartTotp { startTotpEnrollment { secret uri qrSvg } }"),
  );
  $("totp-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(e.qrSvg)}`;
  $("totp-secret").textContent = e.secret;
  $("recovery").hidden = true;
  $("totp-enrol").hidden = false;
  $("totp-code").focus();
});
on("totp-confirm-form", "submit", async () => {
  const { confirmTotpEnrollment: codes } = await gql(
    "mutation ConfirmTotp($c: String!) { confirmTotpEnrollment(code: $c) }",
    {
      c: $("totp-code").value,
    },
  );
  $("totp-enrol").hidden = true;
  $("totp-code").value = "";
  $("recovery-codes").replaceChildren(...codes.map((c) => item(c)));
  $("recovery").hidden = false;
  say("Authenticator app turned on.");
  await render();
  $("recovery-title").focus();
});
on("totp-disable", "click", async () => {
  await withStepUp(() => gql("mutation DisableTotp { disableTotp }"));
  $("recovery").hidden = true;
  say("Authenticator app turned off.");
  await render();
});
on("password-change-form", "submit", async () => {
  await withStepUp(() =>
    gql("mutation ChangePassword($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }", {
      c: $("current-password").value,
      n: $("new-password").value,
    }),
  );
  $("current-password").value = "";
  $("new-password").value = "";
  say("Password changed; your other sessions were signed out.");
  await render();
});

const email = setUpEmail({ gql, say, complain, show, render, withStepUp, on });
email
  .followLink()
  .then((followed) => followed || render())
  .catch(complain);
// A link pasted into a tab that already shows the page changes only the fragment.
window.addEventListener("hashchange", () => email.followLink().catch(complain));
