// Where messages go: SMTP_URL through nodemailer, or `.eml` files under DATA_DIR/mail without it.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTransport } from "nodemailer";
import type { Config } from "../config/index.js";
import { IN_MEMORY } from "../db/client.js";
import type { OutgoingMail } from "../db/outbox.js";
import type { Logger } from "../log.js";

export interface MailTransport {
  /** Hands one message over; rejects when the server refused it or could not be reached. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** How long SMTP may take to connect, greet and answer before a try counts as failed, ms. */
const SMTP_TIMEOUT_MS = 15_000;

/**
 * An SMTP transport for `SMTP_URL`; without one, each message is written to
 * `DATA_DIR/mail/*.eml` and its path logged (nothing is written for an in-memory database).
 */
export function createMailTransport(config: Config, log: Logger): MailTransport {
  const { smtpUrl, from } = config.mail;
  if (smtpUrl) {
    const smtp = createTransport({
      url: smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
      // A development SMTP server often has a self-signed certificate; production should not.
      tls: { rejectUnauthorized: config.nodeEnv === "production" },
    });
    return {
      async send(mail) {
        await smtp.sendMail({ ...mail, from, disableFileAccess: true, disableUrlAccess: true });
      },
      close: () => smtp.close(),
    };
  }
  const builder = createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const dir = config.dataDir === IN_MEMORY ? null : path.join(config.dataDir, "mail");
  return {
    async send(mail) {
      const info = await builder.sendMail({ ...mail, from, disableFileAccess: true, disableUrlAccess: true });
      if (!dir) return;
      await mkdir(dir, { recursive: true });
      const file = path.join(
        dir,
        `${new Date().toISOString().replace(/[:.]/g, "-")}-${info.messageId.replace(/[^\w.-]/g, "")}.eml`,
      );
      // Written aside, then renamed: whoever watches the folder never opens half a message.
      await writeFile(`${file}.part`, info.message as Buffer, { mode: 0o600 });
      await rename(`${file}.part`, file);
      // The path only: the file holds the link, which must not reach the logs.
      log.info({ event: "mail_written", file }, `mail written to ${file} (SMTP_URL is not set)`);
    },
    close: () => builder.close(),
  };
}
