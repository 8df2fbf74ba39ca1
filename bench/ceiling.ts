// The ceiling beside our figures: the same response bytes from a minimal graphql-yoga server
// (static resolvers) or from a bare node:http server. Started by bench/run.ts as its own process.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createMinimalYoga } from "./minimal-yoga.js";

const [mode, bodyFile, portArg] = process.argv.slice(2);
if ((mode !== "yoga" && mode !== "raw") || !bodyFile) {
  console.error("usage: ceiling.ts yoga|raw BODY_FILE PORT");
  process.exit(2);
}
const body = readFileSync(bodyFile);
const port = Number(portArg ?? 0);

function rawHandler() {
  return createServer((req, res) => {
    req.resume(); // read and drop the request body, as any server must
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
      res.end(body);
    });
  });
}

function yogaHandler() {
  const data = JSON.parse(body.toString("utf8")) as { data: { students: unknown } };
  return createServer(createMinimalYoga(data.data.students));
}

const server = mode === "raw" ? rawHandler() : yogaHandler();
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
