// The outbox's edges over a real SMTP server: giving up after MAIL_MAX_ATTEMPTS, and taking over a dead worker's claim.
import { describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createTestApp, SECRET } from "../helpers/app.js";
import { BACKENDS, createPersistentData } from "../helpers/database.js";
import { startSmtp } from "../helpers/smtp.js";

const REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) }";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(check: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.each(BACKENDS)("mail outbox (%s)", (backend) => {
  it("marks a message FAILED after MAIL_MAX_ATTEMPTS refused tries, with backoff, and never tries it again", async () => {
    const smtp = await startSmtp();
    await smtp.stop(); // its port now refuses connections
    const app = await createTestApp(
      backend,
      { SMTP_URL: smtp.url, MAIL_MAX_ATTEMPTS: "2", MAIL_RETRY_SECONDS: "1" },
      { mailPollMs: 50 },
    );
    try {
      const prisma = app.db.prisma;
      const asked = Date.now();
      expect((await app.client().gql(REQUEST, { e: "harry@hogwarts.test" })).body).toEqual({
        data: { requestPasswordReset: true },
      });
      const failed = await until(
        () => prisma.mailMessage.findFirst({ where: { to: "harry@hogwarts.test", status: "FAILED" } }),
        30_000,
        "the message to be given up",
      );
      // Two tries, the second one MAIL_RETRY_SECONDS after the first.
      expect(Date.now() - asked).toBeGreaterThanOrEqual(1000);
      expect(failed).toMatchObject({ attempts: 2, sentAt: null, lockedUntil: null, text: "", html: "" });
      expect(failed.lastError).toMatch(/ECONNREFUSED/);

      // The server is back: a new message goes out, the given-up one does not.
      await smtp.start();
      const givenUpAt = Date.now();
      expect((await app.client().gql(REQUEST, { e: "luna@hogwarts.test" })).body).toEqual({
        data: { requestPasswordReset: true },
      });
      await smtp.waitFor((m) => m.to === "luna@hogwarts.test");
      // Past the next backoff (2 s) the message would have had without the limit.
      await sleep(Math.max(0, givenUpAt + 3000 - Date.now()));
      expect(smtp.received.map((m) => m.to)).toEqual(["luna@hogwarts.test"]);
      expect(await prisma.mailMessage.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({
        status: "FAILED",
        attempts: 2,
      });
    } finally {
      await app.dispose();
      await smtp.stop();
    }
  });

  it("takes over the messages of a worker that died after claiming them, once the claim lapses, each sent exactly once", async () => {
    const smtp = await startSmtp();
    const data = await createPersistentData(backend, "mail-takeover");
    // Several live instances compete for the lapsed claims where the database allows it.
    const instances = backend === "postgresql" ? 2 : 1;
    const apps: Application[] = [];
    try {
      for (let i = 0; i < instances; i++) {
        const config = loadConfig({
          NODE_ENV: "test",
          LOG_LEVEL: "silent",
          SESSION_SECRET: SECRET,
          APP_URL: "http://app.test",
          SMTP_URL: smtp.url,
          ...data.env,
        });
        config.migrateOnStart = true;
        apps.push(await buildApplication(config, { mailPollMs: 50 }));
      }
      const prisma = (apps[0] as Application).db.prisma;
      // What a worker leaves when it dies between claiming messages and marking them: SENDING,
      // one try counted, claimed until a moment that has not come yet.
      const lockedUntil = new Date(Date.now() + 3000);
      const count = 12;
      await prisma.mailMessage.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          to: `owl${i}@hogwarts.test`,
          subject: "Takeover",
          text: `message ${i}`,
          html: `<p>message ${i}</p>`,
          status: "SENDING",
          attempts: 1,
          lockedUntil,
        })),
      });

      // While the claim holds, no live worker touches them.
      await sleep(lockedUntil.getTime() - Date.now() - 700);
      expect(smtp.received).toEqual([]);
      expect(await prisma.mailMessage.count({ where: { status: "SENDING", attempts: 1 } })).toBe(count);

      await until(
        async () => (await prisma.mailMessage.count({ where: { status: "SENT" } })) === count,
        30_000,
        "the lapsed claims to be taken over and sent",
      );
      await sleep(1000); // time for a duplicate to show up
      const texts = smtp.received.map((m) => m.text.trim()).sort();
      expect(texts).toEqual(Array.from({ length: count }, (_, i) => `message ${i}`).sort());
      const rows = await prisma.mailMessage.findMany();
      for (const row of rows) {
        expect(row).toMatchObject({ status: "SENT", attempts: 2, text: "", html: "" });
        expect((row.sentAt as Date).getTime()).toBeGreaterThanOrEqual(lockedUntil.getTime());
      }
    } finally {
      for (const app of apps) await app.close();
      await smtp.stop();
      await data.drop();
    }
  });
});
