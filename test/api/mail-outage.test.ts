// The outbox across an SMTP outage: two instances on one PostgreSQL database, every message delivered once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { SECRET } from "../helpers/app.js";
import { createPersistentData } from "../helpers/database.js";
import { linkToken, startSmtp, type TestSmtp } from "../helpers/smtp.js";

const REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) }";

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("mail outbox across an SMTP outage (two instances, postgresql)", () => {
  let smtp: TestSmtp;
  let data: { env: Record<string, string>; drop(): Promise<void> };
  const apps: Application[] = [];
  beforeAll(async () => {
    smtp = await startSmtp();
    data = await createPersistentData("postgresql", "mail-outage");
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        SESSION_SECRET: SECRET,
        APP_URL: "http://app.test",
        SMTP_URL: smtp.url,
        MAIL_RETRY_SECONDS: "1",
        MAIL_MAX_ATTEMPTS: "30",
        ...data.env,
      });
      config.migrateOnStart = true;
      config.seedOnStart = true;
      // One after the other: the second finds the migrations and the seed done.
      apps.push(await buildApplication(config, { mailPollMs: 100 }));
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await smtp?.stop();
    await data?.drop();
  });

  const ask = async (app: Application, e: string) => {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: REQUEST, variables: { e } }),
    });
    return response.json();
  };

  it("keeps every message through the outage and sends each exactly once afterwards", async () => {
    const [a, b] = apps;
    const prisma = a.db.prisma;
    expect(await ask(a, "harry@hogwarts.test")).toEqual({ data: { requestPasswordReset: true } });
    await smtp.waitFor((m) => m.to === "harry@hogwarts.test");

    await smtp.stop();
    const addresses = ["harry", "luna", "mcgonagall"].map((n) => `${n}@hogwarts.test`);
    for (let i = 0; i < 9; i++) {
      expect(await ask(i % 2 ? b : a, addresses[i % 3])).toEqual({ data: { requestPasswordReset: true } });
    }
    // Every queued message has been tried and refused at least twice.
    await until(
      async () => (await prisma.mailMessage.count({ where: { sentAt: null, attempts: { gte: 2 } } })) === 9,
      30_000,
      "every message to fail twice",
    );
    const during = await prisma.mailMessage.findMany({ where: { sentAt: null }, orderBy: { id: "asc" } });
    expect(during.map((m) => m.status).every((s) => s === "PENDING" || s === "SENDING")).toBe(true);
    const errors = [...new Set(during.map((m) => m.lastError))];
    console.log(
      `outage: ${during.length} messages queued, attempts ${during.map((m) => m.attempts).join(",")}; errors ${errors.join(", ")}`,
    );
    // Connection refused, as nodemailer reports it; nothing secret in the stored error.
    expect(errors.every((e) => /ECONNREFUSED/.test(e ?? ""))).toBe(true);
    expect(smtp.received).toHaveLength(1);

    await smtp.start();
    const restarted = Date.now();
    await until(async () => (await prisma.mailMessage.count({ where: { status: "SENT" } })) === 10, 60_000, "delivery");
    const deliveredAfterMs = Date.now() - restarted;
    // Time for any duplicate to show up.
    await new Promise((r) => setTimeout(r, 1500));
    const after = smtp.received.slice(1);
    const tokens = after.map((m) => linkToken(m.text, "reset"));
    console.log(
      `after restart: ${after.length} messages in ${deliveredAfterMs} ms, ${new Set(tokens).size} distinct links`,
    );
    expect(after).toHaveLength(9);
    expect(new Set(tokens).size).toBe(9);
    expect(after.map((m) => m.to).sort()).toEqual([...addresses, ...addresses, ...addresses].sort());
    const rows = await prisma.mailMessage.findMany();
    expect(rows.every((m) => m.status === "SENT" && m.text === "" && m.html === "")).toBe(true);
  }, 120_000);
});
