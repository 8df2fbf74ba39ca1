// `npm run sessions:end -- --username NAME` or `-- --all`: an administrator ends sessions
// (one user's, or everyone's) from the command line; the cookies become anonymous at once.
import { parseArgs } from "node:util";
import { GraphQLError } from "graphql";
import { normalizeUsername } from "../src/auth/username.js";
import { loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { createSessionStore } from "../src/db/sessions.js";
import { createUserQueries } from "../src/db/users.js";
import { createLivePubSub } from "../src/live/pubsub.js";
import { announceSessionEnds } from "../src/live/session-events.js";
import { createLogger } from "../src/log.js";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: { username?: string; all?: boolean };
  try {
    ({ values } = parseArgs({ options: { username: { type: "string" }, all: { type: "boolean" } }, strict: true }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if ((values.username === undefined) === !values.all) fail("pass either --username NAME or --all");
  let username: string | null = null;
  if (values.username !== undefined) {
    try {
      username = normalizeUsername(values.username, "--username");
    } catch (e) {
      return fail(e instanceof GraphQLError ? e.message : String(e));
    }
  }

  const config = loadConfig();
  const db = await openDatabase(config);
  // With REDIS_URL the running instances hear of it and end those sessions' subscriptions at once.
  const pubsub = config.redisUrls
    ? createLivePubSub(config.redisUrls, `${config.throttle.redisPrefix}live:`, createLogger(config))
    : null;
  try {
    const store = createSessionStore(db.prisma, db.sql, config.session);
    const sessions = pubsub ? announceSessionEnds(store, pubsub) : store;
    let count: number;
    if (username === null) count = await sessions.endEveryone();
    else {
      const userId = await createUserQueries(db.prisma).idOf(username);
      if (!userId) fail(`no user named "${username}"`);
      count = await sessions.endAll(userId);
    }
    console.log(`Ended ${count} session${count === 1 ? "" : "s"}${username ? ` of "${username}"` : ""}.`);
  } finally {
    await pubsub?.close();
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  // Prisma's messages quote the call over several lines; the cause is the last one.
  (e: unknown) => fail((e instanceof Error ? e.message : String(e)).trim().split("\n").at(-1) ?? "failed"),
);
