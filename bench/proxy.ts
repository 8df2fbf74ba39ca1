// N production instances behind HAProxy (the shipped examples/haproxy/haproxy.cfg), each
// started exactly as `npm start` runs the server: shared by the scale and soak benches.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { LOGIN } from "./fixtures.js";
import { freePort, Measured, ROOT, startCommand } from "./processes.js";
import { PRODUCTION_SITE } from "./support.js";

const HAPROXY = "/usr/sbin/haproxy";

/**
 * The environment of an instance behind the proxy, `extra` (the database and Redis URLs) on
 * top: production, logs off, one proxy hop trusted, no drain (the bench stops the proxy first).
 */
export function proxiedEnv(extra: Record<string, string>): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    NODE_ENV: "production",
    ...PRODUCTION_SITE,
    LOG_LEVEL: "silent",
    HOST: "127.0.0.1",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SESSION_COOKIE_SECURE: "false",
    TRUST_PROXY: "1",
    SHUTDOWN_DRAIN_MS: "0",
    MIGRATE_ON_START: "false",
    SEED_ON_START: "false",
    // every bench request comes from HAProxy's one address
    LOGIN_MAX_FAILURES_PER_ADDRESS: "1000000",
    ...extra,
  };
}

/** examples/haproxy/haproxy.cfg with its two `server` lines replaced by `n`, written into `dir`. */
function haproxyConfig(n: number, dir: string): string {
  const shipped = readFileSync(path.join(ROOT, "examples/haproxy/haproxy.cfg"), "utf8");
  const servers = Array.from({ length: n }, (_, i) => `    server app${i + 1} "\${APP${i + 1}}"`).join("\n");
  const cfg = shipped.replace(/( {4}server app1 .*\n)( {4}server app2 .*\n?)/, `${servers}\n`);
  if (cfg === shipped && n !== 2) throw new Error("examples/haproxy/haproxy.cfg no longer has its two server lines");
  const file = path.join(dir, `haproxy-${n}.cfg`);
  writeFileSync(file, cfg);
  return file;
}

export interface Proxied {
  /** The GraphQL endpoint through the proxy. */
  url: string;
  instances: Measured[];
  /** Stops the proxy, then the instances (SIGTERM, SIGKILL after 15 s); safe to call twice. */
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Resolves once `child` (HAProxy) accepts connections on `port`; fails with its stderr if it exits. */
async function listening(child: ChildProcess, port: number): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  let failed: string | undefined;
  child.once("error", (error) => {
    failed = `cannot start ${HAPROXY}: ${error.message}`;
  });
  child.once("exit", (code) => {
    failed ??= `${HAPROXY} exited with ${code}: ${stderr.trim()}`;
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    if (failed) throw new Error(failed);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        resolve(true);
        socket.destroy();
      });
      socket.once("error", () => resolve(false));
      socket.once("close", () => resolve(false));
      socket.setTimeout(1000, () => socket.destroy());
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${HAPROXY} did not listen on 127.0.0.1:${port} within 10 s: ${stderr.trim()}`);
}

/** Starts `n` instances with `env` on free loopback ports, then HAProxy in front of them. */
export async function startProxied(n: number, env: Record<string, string>, dir: string): Promise<Proxied> {
  const start = startCommand();
  const instances: Measured[] = [];
  let haproxy: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (haproxy) await stopChild(haproxy);
      await Promise.all(instances.map((s) => s.stop()));
    })();
    return stopped;
  };
  try {
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    for (const port of ports) {
      const instanceEnv = { ...env, ...start.env, PORT: String(port) };
      instances.push(new Measured(`instance :${port}`, start.script, [], instanceEnv, start.flags));
    }
    await Promise.all(instances.map((s, i) => s.ready(`http://127.0.0.1:${ports[i]}/ready`)));
    const listen = await freePort();
    const proxyEnv: Record<string, string> = {
      ...(process.env as Record<string, string>),
      LISTEN: `127.0.0.1:${listen}`,
    };
    ports.forEach((p, i) => {
      proxyEnv[`APP${i + 1}`] = `127.0.0.1:${p}`;
    });
    const child = spawn(HAPROXY, ["-f", haproxyConfig(n, dir), "-db"], {
      env: proxyEnv,
      stdio: ["ignore", "ignore", "pipe"],
    });
    haproxy = child;
    await listening(child, listen);
    return { url: `http://127.0.0.1:${listen}/graphql`, instances, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Signs bench-0 in through the proxy, waiting for HAProxy to listen and find its instances healthy. */
export async function signInThrough(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    let why: string;
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: LOGIN(0) });
      const text = await res.text();
      const cookie = res.headers.getSetCookie().find((c) => /^(__Host-)?session=/.test(c));
      if (res.ok && cookie && !text.includes('"errors"')) return cookie.split(";")[0];
      why = `${res.status} ${text}`;
    } catch (error) {
      why = String(error);
    }
    if (attempt > 50) throw new Error(`bench login through the proxy failed: ${why}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
