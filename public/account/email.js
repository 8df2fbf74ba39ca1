// The account page's email part: the emailed reset and address links, "Forgot password?", and the address itself.
const $ = (id) => document.getElementById(id);

const REQUEST = "mutation RequestReset($e: String!) { requestPasswordReset(email: $e) }";
const RESET =
  "mutation Reset($t: String!, $p: String!, $c: String) { resetPassword(token: $t, newPassword: $p, code: $c) }";
const VERIFY = "mutation VerifyEmail($t: String!) { verifyEmail(token: $t) }";
const CHANGE = "mutation ChangeEmail($e: String!) { changeEmail(newEmail: $e) }";

/** The same words whether or not the address belongs to an account. */
const SENT_IF_KNOWN =
  "If that address belongs to an account, a link to choose a new password is on its way to it. It works once, within 30 minutes.";
const RESET_LINK_GONE =
  "This link is no longer valid: it was used, it expired, or a newer one replaced it. Ask for a new one below.";
const VERIFY_LINK_GONE =
  "This address link is no longer valid: it was used, it expired, or a newer one replaced it. Change the address again from your account for a new one.";

/**
 * `#reset=TOKEN` or `#verify=TOKEN` in the address, or null. A found token leaves the address
 * bar at once (replaceState rewrites the history entry too), so it is in no history,
 * bookmark or screenshot; the fragment never reached a server or a Referer in the first place.
 */
function takeLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const kind of ["reset", "verify"]) {
    const token = params.get(kind);
    if (token === null) continue;
    history.replaceState(history.state, "", location.pathname + location.search);
    return { kind, token };
  }
  return null;
}

/**
 * Wires the email forms into the page. `page` holds the account page's helpers: gql, say,
 * complain, show, render, withStepUp and on. Returns `followLink()`, which handles a link in
 * the address (false when there is none), and `draw(me)`, which shows the account's address.
 */
export function setUpEmail(page) {
  const { gql, say, complain, show, render, withStepUp, on } = page;
  let resetToken = null;

  /** The sign-in view with "Forgot password?" open and its address field focused. */
  function offerNewLink() {
    show("signed-out");
    $("forgot").open = true;
    $("forgot-email").focus();
  }

  function askForCode(asked) {
    $("reset-code-field").hidden = !asked;
    $("reset-code").required = asked;
    $("reset-code").value = "";
  }

  function startReset(token) {
    resetToken = token;
    $("reset-form").reset();
    askForCode(false);
    $("reset-new-link").hidden = true;
    show("reset");
    say("Choose a new password for your account.");
  }

  /** What a refused reset means for the form; anything unexpected goes to the page's error line. */
  function resetRefused(error, withCode) {
    const argument = error.code === "BAD_USER_INPUT" ? error.extensions.argument : null;
    if (argument === "code") {
      // Asked before anything is spent: the same link works with the code.
      askForCode(true);
      say("This account has a second factor: enter a code from your authenticator app, or a recovery code.");
      $("reset-code").focus();
    } else if (argument === "newPassword") {
      complain(error);
      $("reset-password").focus();
    } else if (error.code === "INVALID_CREDENTIALS" && withCode) {
      // A wrong code and a spent link share the code; the server's message says which, and both ways on stay open.
      complain(error);
      $("reset-code").value = "";
      $("reset-new-link").hidden = false;
      $("reset-code").focus();
    } else if (error.code === "INVALID_CREDENTIALS" || argument === "token") {
      resetToken = null;
      complain(error.code === "INVALID_CREDENTIALS" ? RESET_LINK_GONE : error);
      offerNewLink();
    } else {
      throw error;
    }
  }

  async function verify(token) {
    try {
      await gql(VERIFY, { t: token });
      say("Your new email address is confirmed: it is now the account's address.");
    } catch (error) {
      if (error.code !== "INVALID_CREDENTIALS" && error.code !== "BAD_USER_INPUT") throw error;
      complain(error.code === "INVALID_CREDENTIALS" ? VERIFY_LINK_GONE : error);
    }
    await render();
  }

  on("forgot-form", "submit", async () => {
    say("Sending…");
    await gql(REQUEST, { e: $("forgot-email").value });
    say(SENT_IF_KNOWN);
  });

  on("reset-form", "submit", async () => {
    const code = $("reset-code-field").hidden ? null : $("reset-code").value.trim() || null;
    try {
      await gql(RESET, { t: resetToken, p: $("reset-password").value, c: code });
    } catch (error) {
      return resetRefused(error, code !== null);
    }
    resetToken = null;
    $("reset-form").reset();
    askForCode(false);
    say("Password changed, and every session of the account signed out. Sign in with the new password.");
    await render();
  });
  on("reset-new-link", "click", () => {
    resetToken = null;
    offerNewLink();
  });
  on("reset-cancel", "click", () => {
    resetToken = null;
    say("");
    return render();
  });

  on("change-email-form", "submit", async () => {
    const address = $("new-email").value.trim();
    await withStepUp(() => gql(CHANGE, { e: address }));
    $("new-email").value = "";
    say(`A link is on its way to ${address}. Your address changes when you follow it (within 24 hours).`);
  });

  return {
    async followLink() {
      const link = takeLink();
      if (!link) return false;
      if (link.kind === "reset") startReset(link.token);
      else await verify(link.token);
      return true;
    },
    draw(me) {
      $("email-state").textContent = me.email
        ? `${me.email} (verified): reset links and security notices go there.`
        : "None yet. Add one to be able to reset a forgotten password.";
    },
  };
}
