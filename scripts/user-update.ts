// `npm run user:update -- --username NAME [--role STUDENT|PROFESSOR] [--house HOUSE]`: an
// administrator changes a user's role or house. Open subscriptions of that user end with
// FORBIDDEN (they show what the old role allowed): at once on every instance with REDIS_URL.
import { parseArgs } from "node:util";
import { GraphQLError } from "graphql";
import { normalizeUsername } from "../src/auth/username.js";
import { loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { type CurrentUser, createUserQueries } from "../src/db/users.js";
import { House, Role } from "../src/generated/prisma/enums.js";
import { createLivePubSub } from "../src/live/pubsub.js";
import { announceUserChanges } from "../src/live/user-events.js";
import { createLogger } from "../src/log.js";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

const describe = (user: { role: Role; house: House | null }) => `${user.role} (${user.house ?? "no house"})`;

async function main(): Promise<void> {
  let values: { username?: string; role?: string; house?: string };
  try {
    ({ values } = parseArgs({
      options: { username: { type: "string" }, role: { type: "string" }, house: { type: "string" } },
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.username === undefined) fail("--username is required");
  if (values.role === undefined && values.house === undefined) fail("pass --role, --house or both");
  let username: string;
  try {
    username = normalizeUsername(values.username, "--username");
  } catch (e) {
    return fail(e instanceof GraphQLError ? e.message : String(e));
  }
  const role = values.role?.toUpperCase();
  const house = values.house?.toUpperCase();
  if (role !== undefined && !(role in Role)) fail(`--role must be one of ${Object.keys(Role).join(", ")}`);
  if (house !== undefined && !(house in House)) fail(`--house must be one of ${Object.keys(House).join(", ")}`);

  const config = loadConfig();
  const db = await openDatabase(config);
  // With REDIS_URL the running instances hear of it and end the user's subscriptions at once.
  const pubsub = config.redisUrls
    ? createLivePubSub(config.redisUrls, `${config.throttle.redisPrefix}live:`, createLogger(config))
    : null;
  try {
    const plain = createUserQueries(db.prisma);
    const users = pubsub ? announceUserChanges(plain, pubsub) : plain;
    const id = await users.idOf(username);
    const before: CurrentUser | null = id ? await users.findById(id) : null;
    if (!before) return fail(`no user named "${username}"`);
    const after = { role: (role ?? before.role) as Role, house: (house ?? before.house) as House | null };
    if (after.role === Role.STUDENT && after.house === null) fail("a STUDENT needs --house");
    if (after.role === before.role && after.house === before.house) {
      console.log(`"${username}" is already ${describe(before)}; nothing changed.`);
      return;
    }
    await users.setAccess(before.id, after);
    console.log(`Changed "${username}" from ${describe(before)} to ${describe(after)}.`);
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
