// The SSE stream of a subscription, chunk by chunk: the protocol's framing, no internal error
// extensions, and each event written to the socket in one piece.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, DEMO, type TestApp, type TestClient } from "../helpers/app.js";
import { BACKENDS } from "../helpers/database.js";
import { waitFor } from "../helpers/sse.js";

const SUB = "subscription { pointsAwarded(house: GRYFFINDOR) { house points reason awardedBy { username } } }";
const AWARD = `mutation { awardPoints(house: GRYFFINDOR, points: 1, reason: "Chunks") { points } }`;

describe.each(BACKENDS)("the SSE stream's chunks (%s)", (backend) => {
  let app: TestApp;
  let prof: TestClient;
  let harry: TestClient;

  beforeAll(async () => {
    app = await createTestApp(backend);
    [prof, harry] = [app.client(), app.client()];
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    await harry.login(DEMO.harry.username, DEMO.harry.password);
  });
  afterAll(() => app?.dispose());

  it("sends a comment, then each event framed whole, then the ending error and `complete`", async () => {
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", cookie: `session=${harry.cookie}` },
      body: JSON.stringify({ query: SUB }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const chunk = async () => {
      const { value, done } = await reader.read();
      return done ? null : decoder.decode(value);
    };
    expect(await chunk()).toBe(":\n\n");
    await waitFor(() => app.live.size === 1);

    await prof.gql(AWARD);
    const event = await chunk();
    expect(event).toMatch(/^event: next\ndata: \{.*\}\n\n$/s);
    const data = JSON.parse(String(event).slice("event: next\ndata: ".length));
    expect(data.data.pointsAwarded).toEqual({ house: "GRYFFINDOR", points: 1, reason: "Chunks", awardedBy: null });
    // A student's FORBIDDEN on the professor-only field: the code and path, nothing internal.
    expect(data.errors).toHaveLength(1);
    expect(data.errors[0].extensions).toEqual({ code: "FORBIDDEN" });
    expect(data.errors[0].path).toEqual(["pointsAwarded", "awardedBy"]);

    await harry.gql("mutation { logout }");
    const ending = await chunk();
    expect(ending).toMatch(/^event: next\ndata: \{.*\}\n\n$/s);
    const ended = JSON.parse(String(ending).slice("event: next\ndata: ".length));
    expect(ended.errors.map((e: { extensions: unknown }) => e.extensions)).toEqual([{ code: "UNAUTHENTICATED" }]);
    expect(await chunk()).toBe("event: complete\ndata:\n\n");
    expect(await chunk()).toBeNull();
  });

  // One write per event: with 1,000 subscribers, every extra write is 1,000 system calls.
  it("writes each event to the socket once", async () => {
    await harry.login(DEMO.harry.username, DEMO.harry.password); // the test above logged out
    const server = http.createServer(app.yoga);
    const writes: string[] = [];
    // What the response hands to the socket: each res.write is one write (one system call) on it.
    server.on("request", (_req, res: http.ServerResponse) => {
      const original = res.write.bind(res) as (...args: unknown[]) => boolean;
      res.write = ((...args: unknown[]) => {
        writes.push(
          Buffer.isBuffer(args[0]) || args[0] instanceof Uint8Array ? Buffer.from(args[0]).toString() : String(args[0]),
        );
        return original(...args);
      }) as typeof res.write;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const received: string[] = [];
    const request = http.request({
      host: "127.0.0.1",
      port,
      path: "/graphql",
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", cookie: `session=${harry.cookie}` },
    });
    request.on("response", (res) => res.on("data", (d) => received.push(String(d))));
    request.end(JSON.stringify({ query: SUB }));
    await waitFor(() => app.live.size === 1);
    await waitFor(() => received.join("").includes(":\n\n"));
    const before = writes.length;
    await prof.gql(AWARD);
    await waitFor(() => received.join("").includes("event: next"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const eventWrites = writes.slice(before);
    expect(eventWrites).toHaveLength(1);
    expect(eventWrites[0]).toMatch(/event: next\ndata: \{.*\}\n\n/s);
    request.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await waitFor(() => app.live.size === 0);
  });
});
