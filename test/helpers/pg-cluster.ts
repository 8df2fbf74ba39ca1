// A throwaway PostgreSQL 15 cluster a test owns: its own temp directory and port, stoppable.
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./process.js";

const exec = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

export interface PgCluster {
  port: number;
  url: string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated, new ones refused. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** Runs a PostgreSQL binary as the `postgres` OS user when we are root (initdb refuses root). */
function pgExec(binary: string, args: string[]) {
  const command = path.join(BIN, binary);
  return userInfo().uid === 0 ? exec("runuser", ["-u", "postgres", "--", command, ...args]) : exec(command, args);
}

/** initdb + start on a free port on 127.0.0.1, socket in the temp dir, trust auth, no fsync. */
export async function createPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync("/tmp/test-pg-cluster-");
  if (userInfo().uid === 0) {
    const { stdout } = await exec("id", ["-u", "postgres"]);
    const { stdout: gid } = await exec("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, "data");
  await pgExec("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const cluster: PgCluster = {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      pgExec("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-o", options, "-w", "start"]).then(() => {}),
    stop: () => pgExec("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]).then(() => {}),
    async destroy() {
      await cluster.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
