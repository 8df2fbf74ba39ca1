// Without SMTP_URL (development) each message is an .eml file under DATA_DIR/mail, and its link works.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/app.js";
import { createPersistentData } from "../helpers/database.js";
import { linkToken } from "../helpers/smtp.js";

describe("mail without SMTP_URL", () => {
  let app: TestApp;
  let data: { env: Record<string, string>; drop(): Promise<void> };
  beforeAll(async () => {
    data = await createPersistentData("pglite", "mail-files");
    app = await createTestApp("pglite", { NODE_ENV: "development", ...data.env }, { mailPollMs: 50 });
  });
  afterAll(async () => {
    await app?.dispose();
    await data?.drop();
  });

  it("writes each message to DATA_DIR/mail/*.eml, and the link in it resets the password", async () => {
    const dir = path.join(data.env.DATA_DIR, "mail");
    const res = await app.client().gql('mutation { requestPasswordReset(email: "harry@hogwarts.test") }');
    expect(res.body).toEqual({ data: { requestPasswordReset: true } });
    let files: string[] = [];
    for (let i = 0; i < 200 && files.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        files = readdirSync(dir).filter((f) => f.endsWith(".eml"));
      } catch {}
    }
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(path.join(dir, files[0])));
    expect(mail.subject).toBe("Reset your password");
    const token = linkToken(mail.text ?? "", "reset");
    const reset = await app
      .client()
      .gql('mutation($t: String!) { resetPassword(token: $t, newPassword: "expelliarmus-every-time") }', { t: token });
    expect(reset.body).toEqual({ data: { resetPassword: true } });
  });
});
