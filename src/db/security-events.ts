// The audit trail: authentication events, appended and read back per user. Never updated.
import type { PrismaClient } from "./client.js";

/** Every kind of event the trail records. */
export const SECURITY_EVENT_KINDS = [
  "SIGN_IN",
  "SIGN_IN_FAILED",
  "SECOND_FACTOR_REQUIRED",
  "SECOND_FACTOR_FAILED",
  "RECOVERY_CODE_USED",
  "REAUTHENTICATED",
  "REAUTHENTICATION_FAILED",
  "PASSWORD_CHANGED",
  "PASSWORD_CHANGE_FAILED",
  "TOTP_ENABLED",
  "TOTP_DISABLED",
  "RECOVERY_CODES_REGENERATED",
  "PASSKEY_ADDED",
  "PASSKEY_REMOVED",
  "THROTTLED",
  "SIGNED_OUT_EVERYWHERE",
  "SESSION_REVOKED",
  "PASSWORD_RESET",
  "PASSWORD_RESET_FAILED",
  "EMAIL_CHANGE_REQUESTED",
  "EMAIL_CHANGED",
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export interface SecurityEventInput {
  at: Date;
  userId: string | null;
  sessionId: string | null;
  address: string | null;
  userAgent: string | null;
  kind: SecurityEventKind;
  /** How (e.g. `pwd+otp`) or why; never a secret. */
  detail: string | null;
}

export interface SecurityEventRow extends SecurityEventInput {
  id: bigint;
}

const USER_AGENT_LIMIT = 512;

export function createSecurityEvents(prisma: PrismaClient) {
  return {
    /** Appends one event. */
    async record(event: SecurityEventInput): Promise<void> {
      await prisma.securityEvent.create({
        data: { ...event, userAgent: event.userAgent?.slice(0, USER_AGENT_LIMIT) ?? null },
      });
    },

    /** A user's latest `first` events, newest first. */
    async list(userId: string, first: number): Promise<SecurityEventRow[]> {
      const rows = await prisma.securityEvent.findMany({
        where: { userId },
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: first,
      });
      return rows.map((row) => ({ ...row, kind: row.kind as SecurityEventKind }));
    },
  };
}

export type SecurityEvents = ReturnType<typeof createSecurityEvents>;
