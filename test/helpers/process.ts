// Runs the project's commands as real child processes (server, scripts).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx <script> ...args` to completion with `env` added and `input` on stdin. */
export function runScript(script: string, args: string[], env: Record<string, string>, input = ""): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `src/server.ts` on a free port and resolves once it logs that it is ready. */
export function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ["src/server.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in time:\n${out}`));
    }, timeoutMs);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const onData = (d: Buffer) => {
      out += d;
      const match = /ready at (http:\/\/[^\s"]+)\/graphql/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => out,
          async stop(signal = "SIGTERM") {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}
