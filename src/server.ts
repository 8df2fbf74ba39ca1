// The entry point: reads the configuration, listens, and shuts down gracefully on signals.
import { createServer } from "node:http";
import { buildApplication } from "./app.js";
import { ConfigError, loadConfig } from "./config/index.js";
import { DatabaseInUseError } from "./db/pglite-lock.js";
import { drainable } from "./drain.js";
import { attachWebSocket } from "./http/websocket.js";

function safely(run: () => void): void {
  try {
    run();
  } catch {
    // nothing to do: logging must never block a shutdown
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApplication(config);
  const drain = drainable(app.yoga);
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  // Explicit bounds on slow clients: a half-sent request is answered 408 and closed. Node checks
  // them every connectionsCheckingInterval (default 30 s), so check at least as often as they expire.
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 2)),
    },
    drain.listener,
  );
  const websocket = attachWebSocket(server, app.yoga, config, app.log);
  server.once("error", (error: NodeJS.ErrnoException) => {
    const why = error.code === "EADDRINUSE" ? "is already in use" : `cannot be used (${error.code ?? error.message})`;
    console.error(`error: PORT ${config.port} on HOST ${config.host} ${why}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    app.log.info(
      { port, database: app.db.kind, startupMs: Math.round(performance.now()) },
      `GraphQL API ready at http://${config.host}:${port}/graphql`,
    );
  });

  // SIGTERM/SIGINT: drain (`/ready` answers 503 while requests are still served, for
  // SHUTDOWN_DRAIN_MS), then stop accepting, let requests in flight finish, close the database
  // pool, exit 0. Past SHUTDOWN_TIMEOUT_MS after the drain the remaining connections are cut
  // and the exit code is 1.
  let stopping = false;
  const close = (started: number) => {
    // Arm the deadline and stop listening before anything that could throw (a log write to
    // a closed stdout): the process must exit whatever happens.
    const force = setTimeout(() => {
      safely(() => app.log.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; closing connections"));
      server.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Open subscriptions would hold their connections to the deadline: complete them now.
    void websocket.close().catch(() => {});
    void app.live.close();
    server.close(async () => {
      await app.close().catch(() => {});
      clearTimeout(force);
      safely(() =>
        app.log.info({ shutdownMs: Math.round(performance.now() - started) }, "stopped; database pool closed"),
      );
      process.exit(0);
    });
    // Only now: a proxy may have sent a request on an idle keep-alive connection during the drain.
    server.closeIdleConnections();
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    drain.start();
    if (config.shutdownDrainMs > 0) setTimeout(() => close(started), config.shutdownDrainMs);
    else close(started);
    safely(() => app.log.info({ signal, drainMs: config.shutdownDrainMs }, "shutting down"));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseInUseError) {
    console.error(`error: ${error.message}`);
  } else {
    console.error(`error: could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
