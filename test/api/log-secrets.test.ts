// No password, token or code reaches the log when an unexpected error is logged: Redis down,
// PostgreSQL refused or stalled, a resolver that throws; values written inline and as variables.
import { randomBytes, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import {
  astFromValue,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  print,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Application, buildApplication } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { IN_MEMORY } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { schema } from "../../src/schema/index.js";
import { DEMO, SECRET } from "../helpers/app.js";
import { BACKENDS, type Backend, createTestDatabase } from "../helpers/database.js";
import { LOGIN, raw } from "../helpers/http.js";
import { freePort } from "../helpers/process.js";
import { createTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

// A resolver's dependency that breaks and quotes what it was given, as drivers do.
const broken = vi.hoisted(() => ({ on: false }));
vi.mock("../../src/auth/password.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/auth/password.js")>();
  return {
    ...real,
    verifyPassword: (stored: string | null, password: string) => {
      if (broken.on) throw new Error(`argon2 could not verify "${password}" against the stored hash`);
      return real.verifyPassword(stored, password);
    },
  };
});

type AnyField = GraphQLField<unknown, unknown>;
const isSecret = (arg: GraphQLArgument) => /password|token|code/i.test(arg.name);

/** Every mutation with an argument the contract calls a password, token or code. */
const SECRET_FIELDS: AnyField[] = Object.values(schema.getMutationType()?.getFields() ?? {}).filter((f) =>
  f.args.some(isSecret),
);

/** A value of `type` that passes coercion, for the arguments that are not secrets. */
function sample(type: GraphQLInputType, name: string): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [sample(inner.ofType, name)];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isInputObjectType(inner)) {
    return Object.fromEntries(Object.values(inner.getFields()).map((f) => [f.name, sample(f.type, f.name)]));
  }
  const named = getNamedType(inner).name;
  if (named === "Int" || named === "Float") return 1;
  if (named === "Boolean") return true;
  if (named === "ID") return randomUUID();
  return name === "username" ? DEMO.harry.username : "some-text";
}

interface Probe {
  query: string;
  variables?: Record<string, unknown>;
}

/** One document per field and style (inline, variables); each secret argument gets a unique value. */
function probes(label: string, secrets: string[]): Probe[] {
  const out: Probe[] = [];
  for (const field of SECRET_FIELDS) {
    for (const style of ["inline", "variables"] as const) {
      const values = Object.fromEntries(
        field.args.map((arg) => {
          if (!isSecret(arg)) return [arg.name, sample(arg.type, arg.name)];
          const secret = `S3cret-${label}-${field.name}-${arg.name}-${style}-${randomBytes(6).toString("hex")}`;
          secrets.push(secret);
          return [arg.name, secret];
        }),
      );
      const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
      if (style === "inline") {
        const list = field.args.map(
          (a) => `${a.name}: ${print(astFromValue(values[a.name], a.type) ?? { kind: "NullValue" as never })}`,
        );
        out.push({ query: `mutation Leak { ${field.name}(${list.join(", ")})${selection} }` });
      } else {
        const vars = field.args.map((a) => `$${a.name}: ${a.type}`).join(", ");
        const list = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
        out.push({ query: `mutation Leak(${vars}) { ${field.name}(${list})${selection} }`, variables: values });
      }
    }
  }
  return out;
}

interface Harness {
  app: Application;
  lines: string[];
  /** harry's session cookie, taken while everything worked. */
  cookie: string;
  close(): Promise<void>;
}

async function harness(
  backend: Backend,
  env: Record<string, string>,
  databaseEnv?: Record<string, string>,
): Promise<Harness> {
  const database = databaseEnv ? null : await createTestDatabase(backend);
  const dbEnv = databaseEnv ?? database?.env ?? {};
  const url = dbEnv.DATABASE_URL;
  const config = loadConfig({
    NODE_ENV: "test",
    SESSION_SECRET: SECRET,
    LOG_LEVEL: "trace",
    ...dbEnv,
    ...env,
  });
  if (!url) config.dataDir = IN_MEMORY;
  config.migrateOnStart = true;
  config.seedOnStart = true;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await buildApplication(config, { log: createLogger(config, sink) });
  let cookie = "";
  if (!env.REDIS_URL) {
    const ok = await raw(app, { query: LOGIN, variables: { u: DEMO.harry.username, p: DEMO.harry.password } });
    const line = ok.headers.getSetCookie().find((l) => l.startsWith("session="));
    cookie = line?.split(";")[0] ?? "";
    expect(cookie).toMatch(/^session=Fe26/);
  }
  return {
    app,
    lines,
    cookie,
    close: async () => {
      await app.close();
      await database?.drop();
    },
  };
}

/**
 * Sends every probe anonymously and signed in, then checks the log: unexpected errors were
 * logged (with the operation's name), and no secret appears anywhere in it.
 */
async function expectNoSecretLogged(h: Harness, label: string): Promise<void> {
  const secrets: string[] = [];
  const before = h.lines.length;
  const answers = await Promise.all(
    probes(label, secrets).flatMap((probe) => [
      raw(h.app, probe),
      ...(h.cookie ? [raw(h.app, probe, { headers: { cookie: h.cookie } })] : []),
    ]),
  );
  const masked = answers.flatMap((a) => a.body.errors ?? []).filter((e) => e.message === "Unexpected error.");
  expect(masked.length).toBeGreaterThan(0);
  const log = h.lines.slice(before).join("");
  expect(secrets.length).toBeGreaterThanOrEqual(2 * 3); // login's password, changePassword's two
  for (const secret of secrets) expect(log).not.toContain(secret);
  expect(log).not.toContain("GraphQL request:"); // graphql-js's excerpt of the document
  const unexpected = log
    .split("\n")
    .filter((l) => l.includes('"msg":"unexpected error"'))
    .map((l) => JSON.parse(l));
  expect(unexpected.length).toBeGreaterThan(0);
  for (const line of unexpected) {
    expect(line.operation).toBe("Leak");
    expect(typeof line.err.type).toBe("string");
    expect(typeof line.err.message).toBe("string");
  }
}

describe("the argument list comes from the schema", () => {
  it("covers login and changePassword at least", () => {
    const names = SECRET_FIELDS.flatMap((f) => f.args.filter(isSecret).map((a) => `${f.name}.${a.name}`));
    expect(names).toEqual(
      expect.arrayContaining(["login.password", "changePassword.currentPassword", "changePassword.newPassword"]),
    );
  });
});

/** Building an app and a dozen argon2 hashes take a while on a busy two-core machine. */
describe.each(BACKENDS)("no secret in the log of an unexpected error (%s)", (backend) => {
  it("Redis down (REDIS_URL at a closed port)", async () => {
    const h = await harness(backend, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      await expectNoSecretLogged(h, "redis");
    } finally {
      await h.close();
    }
  }, 180_000);

  it("a resolver's dependency throws an error quoting its input", async () => {
    const h = await harness(backend, {});
    broken.on = true;
    try {
      await expectNoSecretLogged(h, "throws");
    } finally {
      broken.on = false;
      await h.close();
    }
  }, 180_000);
});

describe("no secret in the log of an unexpected error (PostgreSQL behind a proxy)", () => {
  let proxy: TcpProxy;
  let h: Harness;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase("postgresql");
    drop = database.drop;
    const url = new URL(database.url as string);
    proxy = await createTcpProxy(Number(url.port || 5432));
    url.port = String(proxy.port);
    h = await harness("postgresql", { DB_TIMEOUT_MS: "1000" }, { ...database.env, DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await h?.app.close().catch(() => {});
    await proxy?.close();
    await drop?.();
  });

  it("the database stalls (the proxy holds every byte)", async () => {
    proxy.freeze();
    try {
      await expectNoSecretLogged(h, "stalled");
    } finally {
      proxy.thaw();
    }
  });

  it("the database refuses (the proxy is gone)", async () => {
    await proxy.close();
    await expectNoSecretLogged(h, "refused");
  });
});
