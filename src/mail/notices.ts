// Security notices (ASVS 6.3.7): a message to the account's verified address after a sensitive change.
import type { UserQueries } from "../db/users.js";
import type { Logger } from "../log.js";
import type { Mailer } from "./mailer.js";
import { type NoticeKind, noticeMessage } from "./templates.js";

export interface NoticeDeps {
  users: UserQueries;
  mail: Mailer;
  log: Logger;
}

/**
 * Queues the `kind` notice for `userId` when the account has a verified address. Never
 * throws: the change it reports has happened, and a queueing failure is only logged.
 */
export async function notify(deps: NoticeDeps, userId: string, kind: NoticeKind): Promise<void> {
  try {
    const [address, user] = await Promise.all([deps.users.email(userId), deps.users.findById(userId)]);
    if (!address?.verified || !address.email || !user) return;
    await deps.mail.queue(noticeMessage(address.email, user.displayName, kind));
  } catch (e) {
    deps.log.error({ event: "notice_not_queued", kind, error: e instanceof Error ? e.message : String(e) }, "notice");
  }
}
