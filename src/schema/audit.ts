// Records an authentication event twice: a row in the audit trail and a log line with the request id.

import type { SecurityEventKind } from "../db/security-events.js";
import type { Context } from "../http/context.js";

export interface AuditFields {
  userId: string | null;
  /** How (e.g. `pwd+otp`) or which verifier; never a secret. */
  detail?: string | null;
  /** The log line's `event`, when an older name is kept for it; default the kind in lower case. */
  logEvent?: string;
}

/**
 * Logs `kind` and appends it to the user's trail (time, user, session, address, user
 * agent); an event without a known user is only logged.
 */
export async function audit(ctx: Context, kind: SecurityEventKind, fields: AuditFields): Promise<void> {
  const sessionId = await ctx.session.getSessionId();
  const detail = fields.detail ?? null;
  ctx.log.info(
    {
      event: fields.logEvent ?? kind.toLowerCase(),
      securityEvent: kind,
      userId: fields.userId ?? undefined,
      detail: detail ?? undefined,
      address: ctx.clientAddress,
    },
    kind.toLowerCase().replaceAll("_", " "),
  );
  // An unknown account has no trail to read; its event stays in the log.
  if (fields.userId === null) return;
  await ctx.events.record({
    at: new Date(ctx.session.now() * 1000),
    userId: fields.userId,
    sessionId,
    address: ctx.clientAddress,
    userAgent: ctx.request.headers.get("user-agent"),
    kind,
    detail,
  });
}
