// The entry point: reads the configuration, listens, and shuts down on signals.
import { createServer } from "node:http";
import { buildApplication } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { DatabaseInUseError } from "./db/pglite-lock.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApplication(config);
  const server = createServer(app.yoga);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    app.log.info({ port, database: app.db.kind }, `GraphQL API ready at http://${config.host}:${port}/graphql`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(async () => {
      await app.close();
      clearTimeout(force);
      process.exit(0);
    });
    server.closeIdleConnections();
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
