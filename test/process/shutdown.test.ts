// SIGTERM: the server stops accepting, finishes what is in flight, closes the pool, exits 0.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { baseEnv, isReady, runCommand, startServer } from "../helpers/process.js";

/** Starts a POST whose body arrives in two parts; `finish()` sends the rest. */
function slowPost(port: number, body: string) {
  const request = http.request({
    host: "127.0.0.1",
    port,
    path: "/graphql",
    method: "POST",
    agent: false,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    request.on("error", reject);
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return {
    response,
    finish: () => request.end(body.slice(half)),
  };
}

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
  });

describe("graceful shutdown on SIGTERM", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("postgresql");
  });
  afterAll(() => db?.drop());

  it("finishes a request in flight, refuses new connections, closes the pool and exits 0", async () => {
    const server = await startServer({ ...db.env, MIGRATE_ON_START: "true" });
    const slow = slowPost(server.port, JSON.stringify({ query: "{ houses { house points } }" }));
    // the request has reached the server once its connection is open and headers are sent
    await new Promise((r) => setTimeout(r, 500));
    server.child.kill("SIGTERM");
    await server.waitFor((l) => l.msg === "shutting down");
    expect(await connects(server.port)).toBe(false);
    expect(server.child.exitCode).toBeNull();

    slow.finish();
    const { status, text } = await slow.response;
    expect(status).toBe(200);
    expect(JSON.parse(text).data.houses).toHaveLength(4);
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const stopped = await server.waitFor((l) => l.msg.startsWith("stopped; database pool closed"));
    expect(typeof stopped.shutdownMs).toBe("number");
  });

  it("drains for SHUTDOWN_DRAIN_MS: /ready answers 503 at once, requests are still served with Connection: close", async () => {
    const server = await startServer({ ...db.env, SHUTDOWN_DRAIN_MS: "1500" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; connection?: string; text: string }>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: server.port, path, agent }, (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (chunk) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
          })
          .on("error", reject);
      });
    expect((await get("/ready")).status).toBe(200);
    server.child.kill("SIGTERM");
    const shutting = await server.waitFor((l) => l.msg === "shutting down");
    expect(shutting.drainMs).toBe(1500);
    // the keep-alive connection opened before the signal is still served, then closed
    expect(await get("/ready")).toEqual({ status: 503, connection: "close", text: '{"status":"draining"}' });
    expect(await get("/health")).toMatchObject({ status: 200, connection: "close" });
    expect(await connects(server.port)).toBe(true);
    expect(server.child.exitCode).toBeNull();
    const exit = await server.exited;
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    const stopped = await server.waitFor((l) => l.msg.startsWith("stopped"));
    expect(stopped.shutdownMs as number).toBeGreaterThanOrEqual(1500);
  });

  it("exits 0 promptly when idle, with keep-alive connections open", async () => {
    const server = await startServer({ ...db.env });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) =>
      http.get({ host: "127.0.0.1", port: server.port, path: "/health", agent }, (res) =>
        res.resume().on("end", resolve),
      ),
    );
    const exit = await server.stop("SIGTERM");
    agent.destroy();
    expect(exit).toEqual({ code: 0, signal: null });
    const stopped = await server.waitFor((l) => l.msg.startsWith("stopped"));
    expect(stopped.shutdownMs as number).toBeLessThan(5000);
  });

  it("stops gracefully when SIGTERM reaches `npm start` (npm passes it on)", async () => {
    const npm = runCommand("npm", ["start", "--silent"], baseEnv({ ...db.env }));
    await npm.waitFor(isReady, 90_000);
    npm.child.kill("SIGTERM");
    await npm.waitFor((l) => l.msg.startsWith("stopped; database pool closed"), 30_000);
    expect((await npm.exited).code).not.toBeNull();
  });

  it("gives up on a request that never completes after SHUTDOWN_TIMEOUT_MS and exits 1", async () => {
    const server = await startServer({ ...db.env, SHUTDOWN_TIMEOUT_MS: "1500" });
    const stuck = slowPost(server.port, JSON.stringify({ query: "{ houses { house } }" }));
    stuck.response.catch(() => {}); // the server cuts it
    await new Promise((r) => setTimeout(r, 500));
    const exit = await server.stop("SIGTERM");
    expect(exit).toEqual({ code: 1, signal: null });
    await server.waitFor((l) => l.msg.startsWith("shutdown timed out"));
  });
});
