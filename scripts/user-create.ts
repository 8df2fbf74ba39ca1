// `npm run user:create -- --username NAME --display-name "…" --role STUDENT|PROFESSOR [--house HOUSE] [--email ADDRESS]`
// Reads the password from standard input (one line), never from the command line.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { GraphQLError } from "graphql";
import { hashPassword } from "../src/auth/password.js";
import { passwordProblem } from "../src/auth/password-policy.js";
import { normalizeUsername } from "../src/auth/username.js";
import { loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { createUserQueries } from "../src/db/users.js";
import { House, Role } from "../src/generated/prisma/enums.js";
import { type Address, normalizeEmail } from "../src/mail/address.js";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password: ");
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return fail("no password on standard input (pipe one line, e.g. `printf '%s\\n' \"$PW\" | npm run user:create …`)");
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        username: { type: "string" },
        "display-name": { type: "string" },
        role: { type: "string" },
        house: { type: "string" },
        email: { type: "string" },
        password: { type: "string" },
      },
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.password !== undefined) fail("--password is not accepted: pass the password on standard input");
  const raw = values.username;
  const displayName = String(values["display-name"] ?? "").trim();
  const role = String(values.role ?? "").toUpperCase();
  const house = values.house === undefined ? null : String(values.house).toUpperCase();
  if (typeof raw !== "string") fail("--username is required");
  let username: string;
  try {
    username = normalizeUsername(raw, "--username");
  } catch (e) {
    return fail(e instanceof GraphQLError ? e.message : String(e));
  }
  if (!displayName || displayName.length > 100) fail("--display-name is required (1 to 100 characters)");
  if (!(role in Role)) fail(`--role must be one of ${Object.keys(Role).join(", ")}`);
  if (house !== null && !(house in House)) fail(`--house must be one of ${Object.keys(House).join(", ")}`);
  if (role === "STUDENT" && house === null) fail("a STUDENT needs --house");
  let email: Address | null = null;
  try {
    if (values.email !== undefined) email = normalizeEmail(String(values.email), "--email");
  } catch (e) {
    return fail(e instanceof GraphQLError ? e.message : String(e));
  }

  const password = await readPassword();
  const problem = await passwordProblem(password, username);
  if (problem) fail(`the password ${problem}`);

  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (config.migrateOnStart) await migrate(db, config);
    const users = createUserQueries(db.prisma);
    if (await users.idOf(username)) fail(`the username "${username}" is taken`);
    if (email && (await users.emailTaken(email.key))) fail(`the address "${email.email}" belongs to another account`);
    const user = await users.create({
      username,
      displayName,
      role: role as Role,
      house: house as House | null,
      passwordHash: await hashPassword(password),
      email,
    });
    console.log(`Created ${user.role.toLowerCase()} "${user.username}" (${user.id}).`);
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => fail(e instanceof Error ? e.message : String(e)),
);
