// The Prisma client on embedded PGlite or a PostgreSQL server, chosen by configuration.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import type { Config } from "../config/index.js";
import { PrismaClient } from "../generated/prisma/client.js";
import { lockDataDir } from "./pglite-lock.js";
import { probeEndpoint } from "./reachable.js";
import { pgliteSql, poolSql, type Sql } from "./sql.js";

export type { PrismaClient } from "../generated/prisma/client.js";

export interface Database {
  prisma: PrismaClient;
  /** The hot-path reads, on the same connections as Prisma. */
  sql: Sql;
  kind: "pglite" | "postgresql";
  /** True when `DATABASE_URL` names a pooler (PgBouncer): no session state across transactions. */
  pooler: boolean;
  /** A fresh adapter factory for the schema engine (migrations), on `url` when given (PostgreSQL). */
  adapterFactory(url?: string): SqlMigrationAwareDriverAdapterFactory;
  /** PGlite only: an image of the whole data directory, to start another in-memory PGlite from. */
  image?(): Promise<Blob>;
  close(): Promise<void>;
}

/** `memory://` keeps PGlite in memory (tests); anything else is a directory. */
export const IN_MEMORY = "memory://";

export interface OpenOptions {
  /** Called with the SQL of every query (tests count round trips with it). */
  onQuery?: (sql: string) => void;
  /** Whether `DATABASE_URL` names a pooler, when the caller has checked already; probed otherwise. */
  pooler?: boolean;
  /**
   * In-memory PGlite only: start from this data-directory image (`Database.image`) instead of
   * an empty cluster. Tests use it to skip initdb, the migrations and the seed on every app.
   */
  image?: Blob;
}

function clientOptions(options: OpenOptions) {
  // "minimal": an error's message is the cause alone, without the call and its arguments.
  const errorFormat = "minimal" as const;
  return options.onQuery
    ? { errorFormat, log: [{ emit: "event" as const, level: "query" as const }] }
    : { errorFormat };
}

function listen(prisma: PrismaClient, options: OpenOptions): PrismaClient {
  const onQuery = options.onQuery;
  if (onQuery) (prisma as PrismaClient<"query">).$on("query", (event) => onQuery(event.query));
  return prisma;
}

/**
 * PGlite's shared buffers. Its default (128MB) is WASM memory that, once touched, stays in the
 * process's RSS; this data set fits in a fraction of 16MB (measured by `npm run bench`).
 */
const PGLITE_SHARED_BUFFERS = "16MB";

/** Default for `DB_TIMEOUT_MS`: the longest wait for a connection or an answer. */
const DEFAULT_TIMEOUT_MS = 5000;

async function openPglite(dataDir: string, options: OpenOptions): Promise<Database> {
  const inMemory = dataDir === IN_MEMORY;
  let release = () => {};
  let dir: string | undefined;
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
    dir = path.join(dataDir, "pglite");
  }
  try {
    // Imported here so that a PostgreSQL deployment never loads PGlite (about 30 MB of RSS).
    const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
      import("@electric-sql/pglite"),
      import("pglite-prisma-adapter"),
    ]);
    const pglite = await PGlite.create(dir, {
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
      ...(inMemory && options.image ? { loadDataDir: options.image } : {}),
    });
    const prisma = listen(new PrismaClient({ adapter: new PrismaPGlite(pglite), ...clientOptions(options) }), options);
    return {
      prisma,
      sql: pgliteSql(pglite, options.onQuery),
      kind: "pglite",
      pooler: false,
      adapterFactory: () => new PrismaPGlite(pglite),
      image: () => pglite.dumpDataDir("none"),
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

async function openPostgres(url: string, timeoutMs: number, options: OpenOptions): Promise<Database> {
  const pooler = options.pooler ?? (await probeEndpoint(url, timeoutMs)).pooler;
  const pool = { connectionString: url, connectionTimeoutMillis: timeoutMs, max: 10 };
  // The app's queries give up after the timeout so that an outage or a stalled server answers
  // requests with an error instead of holding them: on the client always, and on the server
  // too when connected to it directly. A pooler refuses session parameters at connection start
  // (its server connections serve many clients); behind one, the server-side limit is the
  // role's or database's own `statement_timeout`. Migrations (adapterFactory) keep no
  // statement limit: they may wait on the advisory lock.
  const serverLimit = pooler ? {} : { statement_timeout: timeoutMs };
  // One pool, shared by Prisma and the hot-path reads.
  const appPool = new pg.Pool({ ...pool, query_timeout: timeoutMs, ...serverLimit });
  // An idle connection that dies (a server restart) must not crash the process; the next
  // query through the pool gets a new connection or reports the outage itself.
  appPool.on("error", () => {});
  // Prisma's own wait to start a transaction (default 2 s) follows the same limit.
  const transactionOptions = { maxWait: timeoutMs, timeout: Math.max(5000, timeoutMs) };
  const prisma = listen(
    new PrismaClient({ adapter: new PrismaPg(appPool), transactionOptions, ...clientOptions(options) }),
    options,
  );
  return {
    prisma,
    sql: poolSql(appPool, options.onQuery),
    kind: "postgresql",
    pooler,
    adapterFactory: (migrateUrl = url) => new PrismaPg({ ...pool, connectionString: migrateUrl, max: 1 }),
    async close() {
      await prisma.$disconnect();
      await appPool.end();
    },
  };
}

/** Opens the database the configuration names. PGlite takes an exclusive lock on its directory. */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir"> & Partial<Pick<Config, "dbTimeoutMs">>,
  options: OpenOptions = {},
): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, config.dbTimeoutMs ?? DEFAULT_TIMEOUT_MS, options)
    : openPglite(config.dataDir, options);
}

/** Resolves when the database answers a trivial query; rejects otherwise. */
export async function ping(db: Pick<Database, "prisma">): Promise<void> {
  await db.prisma.$queryRaw`SELECT 1`;
}
