// The caller's own security settings: `User.security`, passkeys, and the audit trail.
import { SECURITY_EVENT_KINDS, type SecurityEventRow } from "../db/security-events.js";
import { badInput } from "../errors.js";
import { builder } from "./builder.js";
import { NodeRef, toGlobalId } from "./node.js";
import { UserRef } from "./user.js";

interface SecurityShape {
  userId: string;
}

interface PasskeyShape {
  id: string;
  userId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const EVENTS_DEFAULT = 20;
const EVENTS_MAX = 100;

export const PasskeyRef = builder.objectRef<PasskeyShape>("Passkey").implement({
  description: "A WebAuthn credential (passkey) of the caller.",
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === "object" && value !== null && "lastUsedAt" in value,
  authScopes: (passkey) => ({ self: passkey.userId }),
  fields: (t) => ({
    id: t.id({ resolve: (p) => toGlobalId("Passkey", p.id) }),
    name: t.exposeString("name"),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "The last sign-in or step-up with it.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const SecurityEventKindEnum = builder.enumType("SecurityEventKind", {
  description: "What happened.",
  values: SECURITY_EVENT_KINDS,
});

const SecurityEventRef = builder.objectRef<SecurityEventRow>("SecurityEvent").implement({
  description: "One authentication event of the caller's account (append-only audit trail).",
  authScopes: (event) => ({ self: event.userId ?? "" }),
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime" }),
    kind: t.expose("kind", { type: SecurityEventKindEnum }),
    detail: t.exposeString("detail", {
      nullable: true,
      description: "How (RFC 8176 values joined by '+', e.g. pwd+otp) or which verifier was throttled.",
    }),
    address: t.exposeString("address", { nullable: true, description: "The client address as the server saw it." }),
    userAgent: t.exposeString("userAgent", { nullable: true }),
  }),
});

const AccountSecurityRef = builder.objectRef<SecurityShape>("AccountSecurity").implement({
  description: "The caller's sign-in settings.",
  authScopes: (security) => ({ self: security.userId }),
  fields: (t) => ({
    emailVerified: t.boolean({
      description: "Whether the account has an email address, verified (only a verified one can receive a reset link).",
      resolve: async (s, _args, ctx) => (await ctx.users.email(s.userId))?.verified ?? false,
    }),
    totpEnabled: t.boolean({
      resolve: async (s, _args, ctx) => Boolean((await ctx.factors.totp(s.userId))?.confirmed),
    }),
    recoveryCodesLeft: t.int({
      description: "Unused recovery codes; 0 without TOTP.",
      resolve: (s, _args, ctx) => ctx.factors.recoveryCodesLeft(s.userId),
    }),
    passkeys: t.field({ type: [PasskeyRef], resolve: (s, _args, ctx) => ctx.passkeys.list(s.userId) }),
    recentEvents: t.field({
      type: [SecurityEventRef],
      description: `The account's latest authentication events, newest first: sign-ins and how, failed factors, factors added or removed, recovery codes used, re-authentications, throttling. \`first\` defaults to ${EVENTS_DEFAULT}, at most ${EVENTS_MAX}.`,
      args: { first: t.arg.int() },
      resolve: (s, { first }, ctx) => {
        const count = first ?? EVENTS_DEFAULT;
        if (count < 1 || count > EVENTS_MAX) throw badInput(`first must be 1 to ${EVENTS_MAX}`, "first");
        return ctx.events.list(s.userId, count);
      },
    }),
  }),
});

builder.objectField(UserRef, "security", (t) =>
  t.field({
    type: AccountSecurityRef,
    nullable: true,
    description: "The caller's own sign-in settings; anyone else's: null and FORBIDDEN.",
    authScopes: (user) => ({ self: user.id }),
    resolve: (user) => ({ userId: user.id }),
  }),
);
