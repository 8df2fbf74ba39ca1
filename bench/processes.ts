// The processes a bench run starts: the server, the ceilings, setup and load, each on its own.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import type { LoadResult, LoadSpec } from "./load.js";
import type { ProbeReading } from "./probe.js";
import { ROOT, runToEnd } from "./support.js";

export { ROOT };

/** Where the bench's own measured scripts are compiled to (bench/results is not in git). */
const BUILT = path.join(ROOT, "bench/results/.build");
const PROBE = path.join(BUILT, "probe.js");
/** The ceilings, compiled like the app so that every measured process runs on plain node. */
export const CEILING = path.join(BUILT, "ceiling.js");
/**
 * The server exactly as `npm start` runs it: the environment, node flags and script of its
 * `start` script (`exec [env K=V …] node [flags] dist/server.js`), so that the bench
 * measures what users run.
 */
export function startCommand(): { env: Record<string, string>; flags: string[]; script: string } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let i = words[0] === "exec" ? 1 : -1;
  if (words[i] === "env") {
    for (i++; i < words.length && words[i].includes("="); i++) {
      const [key, ...value] = words[i].split("=");
      env[key] = value.join("=");
    }
  }
  const script = words.at(-1) ?? "";
  if (i < 0 || words[i] !== "node" || !script.endsWith(".js")) {
    throw new Error(
      `the bench expects "start" to be "exec [env K=V …] node [flags] FILE.js", not: ${pkg.scripts.start}`,
    );
  }
  return { env, flags: words.slice(i + 1, -1), script: path.join(ROOT, script) };
}

/**
 * Compiles what the bench measures to JavaScript: the app (`npm run build`, as `npm start`
 * does) and the ceilings and probe. No measured process loads tsx (about 30 MB of RSS).
 */
export async function buildMeasured(): Promise<void> {
  const { code, stderr } = await runToEnd(
    process.execPath,
    [path.join(ROOT, "scripts/build.mjs")],
    process.env as Record<string, string>,
  );
  if (code !== 0) throw new Error(`npm run build failed: ${stderr.trim()}`);
  await build({
    entryPoints: ["ceiling.ts", "minimal-yoga.ts", "probe.ts"].map((file) => path.join(ROOT, "bench", file)),
    outdir: BUILT,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
}

/** A port free right now on 127.0.0.1 (the server is told it; it cannot report it with logs off). */
export { freePort } from "./support.js";

/** Runs a TypeScript script to completion; rejects with its stderr on a non-zero exit. */
export async function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { code, stdout, stderr } = await runToEnd(
    process.execPath,
    ["--import", "tsx", script, ...args],
    env as Record<string, string>,
  );
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${stderr.trim() || stdout.trim()}`);
  return stdout;
}

/** The load generator: one long-lived process running autocannon for each spec it is sent. */
export class LoadClient {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly pending = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();

  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/load.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (m: { id: number; result?: LoadResult; error?: string }) => {
      const waiter = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.result) waiter?.resolve(m.result);
      else waiter?.reject(new Error(`load failed: ${m.error}`));
    });
    this.child.on("exit", (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`load process exited with ${code}`));
      this.pending.clear();
    });
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, spec });
    });
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }
}

/** A measured process: a compiled script on plain node, the probe preloaded (optionally profiled). */
export class Measured {
  private readonly child: ChildProcess;
  private exited: Promise<number | null>;
  private stderr = "";

  constructor(
    readonly name: string,
    script: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    nodeFlags: string[] = [],
  ) {
    this.child = spawn(process.execPath, [...nodeFlags, "--import", PROBE, script, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Waits until `url` answers 200, or fails with the process's stderr. */
  async ready(url: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => {
      gone = true;
    });
    while (Date.now() < deadline) {
      if (gone) throw new Error(`${this.name} exited during start: ${this.stderr.trim()}`);
      try {
        const res = await fetch(url);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} did not answer ${url} within ${timeoutMs} ms: ${this.stderr.trim()}`);
  }

  private ask(message: "reset" | "read" | "settle"): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not answer the probe`)), 10_000);
      this.child.once("message", (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send(message);
    });
  }

  /** Starts a new event-loop-delay window. */
  async reset(): Promise<void> {
    await this.ask("reset");
  }

  /** Memory now and event-loop delay since the last reset. */
  async read(): Promise<ProbeReading> {
    return (await this.ask("read")) as ProbeReading;
  }

  /** Memory after a full garbage collection (the process needs --expose-gc). */
  async settle(): Promise<ProbeReading> {
    return (await this.ask("settle")) as ProbeReading;
  }

  /** SIGTERM, then SIGKILL after 15 s. Resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
