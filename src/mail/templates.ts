// The messages the application sends: subjects are fixed, user text is escaped in HTML.
import type { OutgoingMail } from "../db/outbox.js";

/** One message as the outbox stores it. `to` is a checked address (no display name). */
export type MailContent = OutgoingMail;

/** The security notices (ASVS 6.3.7). */
export const NOTICE_KINDS = [
  "password-changed",
  "password-reset",
  "second-factor-added",
  "second-factor-removed",
  "passkey-added",
  "passkey-removed",
  "recovery-codes-regenerated",
  "email-change-requested",
  "email-changed",
] as const;

export type NoticeKind = (typeof NOTICE_KINDS)[number];

const NOTICE_TEXT: Record<NoticeKind, [subject: string, line: string]> = {
  "password-changed": ["Your password was changed", "The password of your account was changed."],
  "password-reset": [
    "Your password was reset",
    "The password of your account was reset from an emailed link, and every session was signed out.",
  ],
  "second-factor-added": ["An authenticator was added", "An authenticator app was added to your account."],
  "second-factor-removed": ["An authenticator was removed", "The authenticator app was removed from your account."],
  "passkey-added": ["A passkey was added", "A passkey was added to your account."],
  "passkey-removed": ["A passkey was removed", "A passkey was removed from your account."],
  "recovery-codes-regenerated": [
    "New recovery codes were made",
    "New recovery codes were made for your account; the old ones no longer work.",
  ],
  "email-change-requested": [
    "A new email address was requested",
    "Someone signed in to your account asked to move it to another email address. It changes only once the link sent there is followed.",
  ],
  "email-changed": ["Your email address was changed", "Your account now uses another email address."],
};

const IF_NOT_YOU = "If this was not you, reset your password and check your account's security settings.";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A display name as a greeting shows it: control characters and line breaks become spaces. */
function greet(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  return `Hello ${name.replace(/[\u0000-\u001f\u007f]+/g, " ").trim()},`;
}

function html(greeting: string, paragraphs: string[], link?: { href: string; label: string }): string {
  const body = [greeting, ...paragraphs].map((p) => `<p>${escapeHtml(p)}</p>`);
  if (link) body.splice(2, 0, `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`);
  return `<!doctype html><html><body>${body.join("")}</body></html>`;
}

function text(greeting: string, paragraphs: string[], link?: string): string {
  const lines = [greeting, ...paragraphs];
  if (link) lines.splice(2, 0, link);
  return `${lines.join("\n\n")}\n`;
}

/** The link to reset a password: `APP_URL/account#reset=TOKEN`, valid `minutes`. */
export function resetMessage(to: string, name: string, link: string, minutes: number): MailContent {
  const greeting = greet(name);
  const says = [
    "Someone asked to reset the password of your account. To choose a new password, open:",
    `The link works once, for ${minutes} minutes. If you did not ask for it, ignore this message: your password stays as it is.`,
  ];
  return {
    to,
    subject: "Reset your password",
    text: text(greeting, says, link),
    html: html(greeting, says, { href: link, label: "Choose a new password" }),
  };
}

/** The link that proves a new address: `APP_URL/account#verify=TOKEN`. */
export function verifyMessage(to: string, name: string, link: string, hours: number): MailContent {
  const greeting = greet(name);
  const says = [
    "To use this address for your account, open:",
    `The link works once, for ${hours} hours. If you did not ask for this, ignore this message.`,
  ];
  return {
    to,
    subject: "Confirm your email address",
    text: text(greeting, says, link),
    html: html(greeting, says, { href: link, label: "Confirm this address" }),
  };
}

/** Sent instead of a link when the new address already belongs to another account. */
export function addressInUseMessage(to: string): MailContent {
  const greeting = "Hello,";
  const says = [
    "Someone asked to use this address for an account, but it already belongs to one. Nothing was changed.",
    "If that was you, sign in to the account that has this address, or reset its password.",
  ];
  return { to, subject: "This address is already in use", text: text(greeting, says), html: html(greeting, says) };
}

/** A security notice of `kind`. */
export function noticeMessage(to: string, name: string, kind: NoticeKind): MailContent {
  const [subject, line] = NOTICE_TEXT[kind];
  const greeting = greet(name);
  const says = [line, IF_NOT_YOU];
  return { to, subject, text: text(greeting, says), html: html(greeting, says) };
}
