// A PgBouncer of our own (Debian's package) for the bench and the tests: transaction pooling in front of the local PostgreSQL.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./support.js";

export const PGBOUNCER = "/usr/sbin/pgbouncer";

export interface PgBouncer {
  port: number;
  /** The URL of database `name` through PgBouncer. */
  url(name: string): string;
  /** Runs a command on PgBouncer's admin console (`SHOW POOLS`, …). */
  admin<T = Record<string, unknown>>(command: string): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer on a free loopback port with `pool_mode = transaction` and `poolSize`
 * server connections per database and user, forwarding every database name (`*`) to
 * PostgreSQL at `backend`. It refuses to run as root, so then it runs as `postgres`.
 */
export async function startPgBouncer(backend = { host: "127.0.0.1", port: 5432 }, poolSize = 20): Promise<PgBouncer> {
  const dir = mkdtempSync(path.join(tmpdir(), "pgbouncer-"));
  const port = await freePort();
  writeFileSync(path.join(dir, "userlist.txt"), '"postgres" ""\n');
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${backend.host} port=${backend.port}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${poolSize}`,
      "max_client_conn = 2000",
      "admin_users = postgres",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      "",
    ].join("\n"),
  );
  const root = userInfo().uid === 0;
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    for (const f of ["", "userlist.txt", "pgbouncer.ini"]) chownSync(path.join(dir, f), uid, gid);
  }
  const args = [...(root ? ["-u", "postgres"] : []), path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(PGBOUNCER, args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const url = (name: string) => `postgresql://postgres@127.0.0.1:${port}/${name}`;
  const admin = async <T>(command: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url("pgbouncer") });
    await client.connect();
    try {
      return (await client.query(command)).rows as T[];
    } finally {
      await client.end();
    }
  };
  for (let i = 0; ; i++) {
    try {
      await admin("SHOW VERSION");
      break;
    } catch (error) {
      if (i >= 100 || child.exitCode !== null) {
        const log = (() => {
          try {
            return readFileSync(path.join(dir, "pgbouncer.log"), "utf8");
          } catch {
            return "";
          }
        })();
        await stop();
        throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, url, admin, stop };
}
