// Unexpected failures reach the client masked, and are logged on the server.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { DEMO, SECRET } from "../helpers/app.js";

describe("error masking", () => {
  const lines: string[] = [];
  let app: Awaited<ReturnType<typeof buildApplication>>;

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: "development", SESSION_SECRET: SECRET, DATA_DIR: IN_MEMORY });
    config.dataDir = IN_MEMORY;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await buildApplication(config, { log: createLogger({ logLevel: "info", nodeEnv: "test" }, sink) });
  });
  afterAll(() => app?.close());

  async function post(query: string, cookie?: string) {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ query }),
    });
    return { response, body: await response.json() };
  }

  it("masks a database failure, even in development, and logs it server-side", async () => {
    const login = await post(
      `mutation { login(username: "${DEMO.harry.username}", password: "${DEMO.harry.password}") { id } }`,
    );
    const cookie = login.response.headers.getSetCookie()[0].split(";")[0];
    await app.db.prisma.$executeRawUnsafe('ALTER TABLE "Student" RENAME TO "Student_gone"');
    try {
      const { body } = await post("{ students(house: GRYFFINDOR) { totalCount } }", cookie);
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].message).toBe("Unexpected error.");
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/Student_gone|Student"|relation|SELECT|stack|\.ts:/i);
      const logged = lines.filter((l) => l.includes('"msg":"unexpected error"'));
      expect(logged).toHaveLength(1); // once, though both execution and masking see it
      expect(JSON.parse(logged[0]).reqId).toEqual(expect.any(String));
    } finally {
      await app.db.prisma.$executeRawUnsafe('ALTER TABLE "Student_gone" RENAME TO "Student"');
    }
  });
});
