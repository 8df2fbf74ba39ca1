// A throwaway Redis Cluster a test owns: redis-server processes on loopback, joined by redis-cli.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface RedisClusterNode {
  port: number;
  url: string;
}

export interface RedisCluster {
  nodes: RedisClusterNode[];
  /** The node URLs comma-separated, as REDIS_URL takes them. */
  redisUrl: string;
  /** SIGKILLs node `i` (a crash: no goodbye to the others). */
  kill(i: number): Promise<void>;
  /** Starts node `i` again on its port and directory: it rejoins from its nodes.conf. */
  restart(i: number): Promise<void>;
  /** `cluster_state` as node `i` sees it. */
  state(i: number): Promise<string>;
  /** The index of the node serving `key`'s slot (a channel name hashes the same way). */
  ownerOf(key: string): Promise<number>;
  /** Runs a redis-cli command on node `i`; its output, one reply element a line. */
  command(i: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port in 20000-29999 whose cluster bus port (+10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
}

const cli = (port: number, ...args: string[]) => exec("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args]);

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `masters` nodes (no replicas; node timeout 2 s) and creates the cluster over them. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const root = mkdtempSync(path.join(tmpdir(), "redis-cluster-"));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await clusterPort(taken));
  const children: (ChildProcess | null)[] = ports.map(() => null);

  const launch = async (i: number) => {
    const port = ports[i];
    const dir = path.join(root, String(port));
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        "2000",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        path.join(dir, "log"),
      ],
      { stdio: "ignore" },
    );
    children[i] = child;
    await waitFor(async () => (await cli(port, "ping")).stdout.trim() === "PONG", `node ${port} answering`);
  };
  const state = async (i: number) =>
    /cluster_state:(\w+)/.exec((await cli(ports[i], "cluster", "info")).stdout)?.[1] ?? "unknown";

  await Promise.all(ports.map((_, i) => launch(i)));
  await exec("redis-cli", [
    "--cluster",
    "create",
    ...ports.map((p) => `127.0.0.1:${p}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  await waitFor(async () => (await Promise.all(ports.map((_, i) => state(i)))).every((s) => s === "ok"), "state ok");

  const nodes = ports.map((port) => ({ port, url: `redis://127.0.0.1:${port}` }));
  // A node killed by a signal has a null exitCode: both fields say whether it is still running.
  const running = (i: number) => children[i]?.exitCode === null && children[i]?.signalCode === null;
  const kill = async (i: number) => {
    const child = children[i];
    if (!child || !running(i)) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  };
  return {
    nodes,
    redisUrl: nodes.map((n) => n.url).join(","),
    kill,
    restart: (i) => launch(i),
    state,
    async ownerOf(key) {
      const alive = ports.findIndex((_, i) => running(i));
      const slot = Number((await cli(ports[alive], "cluster", "keyslot", key)).stdout.trim());
      const { stdout } = await cli(ports[alive], "cluster", "nodes");
      for (const line of stdout.trim().split("\n")) {
        const [, address, , , , , , , ...ranges] = line.split(" ");
        const port = Number(address.split("@")[0].split(":")[1]);
        for (const range of ranges) {
          const [from, to = from] = range.split("-").map(Number);
          if (slot >= from && slot <= to) return ports.indexOf(port);
        }
      }
      throw new Error(`no node serves slot ${slot}`);
    },
    command: async (i, ...args) => (await cli(ports[i], ...args)).stdout.trim(),
    async stop() {
      await Promise.all(ports.map((_, i) => kill(i)));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
