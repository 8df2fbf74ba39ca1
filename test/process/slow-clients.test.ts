// Slow clients: a request whose headers or body never finish is answered 408 and closed
// after HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS, and the server keeps serving.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { type Server, startServer } from "../helpers/process.js";

/** Far below Node's defaults (60 s for headers, 300 s for a request), far above scheduling noise. */
const HEADERS_MS = 500;
const REQUEST_MS = 1000;
/** How long the test waits for the close: enough on a busy machine, short of the old defaults. */
const WAIT_MS = 20_000;

/** Opens a connection, writes `sent`, stalls, and resolves with what came back once it closed. */
function stall(port: number, sent: string): Promise<{ closed: boolean; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(sent));
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, answer });
    }, WAIT_MS);
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ closed: true, answer });
    });
  });
}

describe("slow clients (a production server process)", () => {
  let server: Server;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("postgresql");
    server = await startServer({
      DATABASE_URL: database.url as string,
      MIGRATE_ON_START: "true",
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("closes a connection whose headers stop half way, with 408", async () => {
    const result = await stall(server.port, "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl");
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a connection whose body stops half way, with 408", async () => {
    const body = JSON.stringify({ query: "{ houses { house } }" });
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const result = await stall(server.port, head + body.slice(0, 5));
    expect(result.closed).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("still answers a client that sends its request in time", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });
});
