// Hostile graphql-ws traffic on a real WebSocket: random and malformed frames in random order, id
// reuse and a flood of subscribes, each answered only with the protocol's messages or close codes,
// with nothing leaked; afterwards no stream is left open and a normal client still works.
// (The single cases with a known code are in subscriptions-ws.test.ts.)
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import WebSocket from "ws";
import { createTestApp, DEMO, SECRET, type TestApp, type TestClient } from "../helpers/app.js";
import { document, FUZZ_TIMEOUT, variables } from "../helpers/fuzz.js";
import { waitFor } from "../helpers/sse.js";
import { serveWithWebSocket, subscribeWs, type WsServer, wsClient } from "../helpers/ws.js";

const SUB = "subscription { pointsAwarded { house points } }";
const MAX_BODY = 4000;
/** The codes graphql-ws (and ws, for an oversize frame) close a socket with on bad input. */
const PROTOCOL_CLOSES = [1009, 4400, 4401, 4406, 4408, 4409, 4429];
const SERVER_TYPES = ["connection_ack", "ping", "pong", "next", "error", "complete"];
const init = JSON.stringify({ type: "connection_init" });

interface Exchange {
  /** The server's close code, or null when the socket was still open after the frames. */
  code: number | null;
  reason: string;
  messages: string[];
}

describe("fuzzing graphql-ws messages on a real WebSocket (pglite)", () => {
  let app: TestApp;
  let server: WsServer;
  let harry: TestClient;
  let prof: TestClient;
  let secrets: string[];
  // graphql-ws prints what it takes for its own mistakes to stderr: nothing a client sends may get there.
  let stderr: MockInstance<typeof console.error>;

  beforeAll(async () => {
    app = await createTestApp("pglite", { MAX_BODY_BYTES: String(MAX_BODY), SUBSCRIPTIONS_PER_SESSION: "5" });
    server = await serveWithWebSocket(app);
    harry = app.client();
    prof = app.client();
    await harry.login(DEMO.harry.username, DEMO.harry.password);
    await prof.login(DEMO.mcgonagall.username, DEMO.mcgonagall.password);
    stderr = vi.spyOn(console, "error");
    secrets = [harry.cookie as string, prof.cookie as string, SECRET, ...Object.values(DEMO).map((u) => u.password)];
  });
  afterAll(async () => {
    stderr?.mockRestore();
    await server?.close();
    await app?.dispose();
  });

  /**
   * Opens a socket (offering `protocols`, with `cookie`), first acknowledged by `connection_init`
   * when `init`, sends `frames` in order, and collects what the server answers until it closes
   * the socket or stays quiet for `quietMs`; then closes it.
   */
  function exchange(
    frames: (string | Uint8Array)[],
    options: { init?: boolean; protocols?: readonly string[]; cookie?: string | null; quietMs?: number } = {},
  ): Promise<Exchange> {
    const headers: Record<string, string> = options.cookie ? { cookie: `session=${options.cookie}` } : {};
    const socket = new WebSocket(server.url, [...(options.protocols ?? ["graphql-transport-ws"])], { headers });
    const messages: string[] = [];
    return new Promise((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const settle = () => {
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          socket.removeAllListeners("close");
          socket.once("close", () => resolve({ code: null, reason: "", messages }));
          socket.close(1000);
        }, options.quietMs ?? 60);
      };
      socket.once("error", reject);
      socket.on("message", (data) => {
        messages.push(String(data));
        settle();
      });
      socket.once("close", (code, reason) => {
        clearTimeout(quiet);
        resolve({ code, reason: String(reason), messages });
      });
      const sendAll = () => {
        for (const frame of frames) {
          if (socket.readyState !== WebSocket.OPEN) break;
          socket.send(frame, { binary: typeof frame !== "string" });
        }
        settle();
      };
      socket.once("open", () => {
        if (!options.init) return sendAll();
        // as a real client does: nothing more until the server acknowledges
        socket.once("message", (data) => {
          expect(JSON.parse(String(data))).toEqual({ type: "connection_ack" });
          sendAll();
        });
        socket.send(init);
      });
    });
  }

  /** Everything a client may see: protocol messages and close codes, no data, no secret, no internals. */
  function expectHarmless(result: Exchange): void {
    if (result.code !== null) expect(PROTOCOL_CLOSES, `close ${result.code} ${result.reason}`).toContain(result.code);
    expect(result.reason).not.toMatch(/\n\s+at |\.ts:\d|node_modules|prisma|SELECT /i);
    for (const raw of result.messages) {
      for (const secret of secrets) expect(raw).not.toContain(secret);
      expect(raw).not.toMatch(/Unexpected error|\n\s+at |stack|prisma|SELECT |node_modules|\.ts:\d/i);
      const message = JSON.parse(raw) as { type: string; id?: unknown; payload?: { data?: unknown } };
      expect(SERVER_TYPES).toContain(message.type);
      if (message.type === "next" || message.type === "error" || message.type === "complete")
        expect(typeof message.id).toBe("string");
      // No award is made while fuzzing, and queries are refused over the socket: no data ever flows.
      if (message.type === "next") expect(message.payload?.data ?? null).toBeNull();
    }
  }

  const id = fc.oneof(
    fc.constantFrom("1", "2", "", "__proto__"),
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.constant(null),
  );
  const payload = fc.oneof(
    fc.record(
      {
        query: fc.oneof(document, fc.constant(SUB)),
        variables,
        operationName: fc.oneof(fc.string(), fc.constant(null)),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const message = fc
    .record(
      {
        type: fc.oneof(
          fc.constantFrom(
            "connection_init",
            "ping",
            "pong",
            "subscribe",
            "complete",
            "next",
            "error",
            "connection_ack",
          ),
          fc.string({ maxLength: 12 }),
          fc.integer(),
        ),
        id,
        payload,
      },
      { requiredKeys: [] },
    )
    .map((m) => JSON.stringify(m));
  const frame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    { weight: 6, arbitrary: message },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: MAX_BODY - 200, max: MAX_BODY * 3 })
        .map((n) =>
          JSON.stringify({ id: "big", type: "subscribe", payload: { query: `subscription { ${"a".repeat(n)} }` } }),
        ),
    },
  );

  it(
    "answers 400 random frame sequences with protocol messages or close codes only",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(frame, { minLength: 1, maxLength: 8 }),
          // graphql-ws's protocol, none (closed with 4406), or the legacy one offered first
          fc.constantFrom(["graphql-transport-ws"], [], ["graphql-ws", "graphql-transport-ws"]),
          fc.constantFrom<"harry" | "none" | "garbage">("harry", "none", "garbage"),
          async (initFirst, frames, protocols, who) => {
            const cookie = who === "harry" ? harry.cookie : who === "garbage" ? "Fe26.2*garbage" : null;
            const acknowledged = initFirst && protocols.length > 0;
            const result = await exchange(frames, { init: acknowledged, protocols, cookie });
            expectHarmless(result);
          },
        ),
        { numRuns: 400 },
      );
      // Every stream a run opened ended with its socket.
      await waitFor(() => app.live.size === 0);
      expect(stderr).not.toHaveBeenCalled();
    },
    FUZZ_TIMEOUT,
  );

  it("closes a reused id with 4409 and a server-only message with 4400; a flood of subscribes stays within the limit", async () => {
    const subscribe = (n: number | string) =>
      JSON.stringify({ id: String(n), type: "subscribe", payload: { query: SUB } });
    const reused = await exchange([subscribe(1), subscribe(1)], { init: true, cookie: harry.cookie });
    expectHarmless(reused);
    expect(reused.code).toBe(4409);
    for (const type of ["connection_ack", "next", "error"]) {
      const serverOnly = await exchange([JSON.stringify({ id: "1", type, payload: {} })], { init: true });
      expect([type, serverOnly.code, serverOnly.reason]).toEqual([type, 4400, `Unexpected message of type ${type}`]);
    }

    // 300 subscribes at once: five open, the rest refused with LIMIT_EXCEEDED, the socket kept.
    let peak = 0;
    const watch = setInterval(() => {
      peak = Math.max(peak, app.live.size);
    }, 5);
    const floods = Array.from({ length: 300 }, (_, i) => subscribe(i));
    const flood = await exchange(floods, { init: true, cookie: harry.cookie, quietMs: 500 });
    clearInterval(watch);
    expectHarmless(flood);
    expect(flood.code).toBeNull();
    const refusals = flood.messages.filter((m) => m.includes("LIMIT_EXCEEDED"));
    expect(refusals).toHaveLength(295);
    expect(peak).toBeLessThanOrEqual(5);
    await waitFor(() => app.live.size === 0);
    expect(stderr).not.toHaveBeenCalled();
  });

  it("serves a normal client afterwards: an award reaches it", async () => {
    const client = wsClient(server.url, harry.cookie);
    const sub = subscribeWs(client, SUB);
    await waitFor(() => app.live.size === 1);
    await prof.gql(`mutation { awardPoints(house: SLYTHERIN, points: 2, reason: "After the fuzz") { points } }`);
    expect((await sub.next()).data?.pointsAwarded).toEqual({ house: "SLYTHERIN", points: 2 });
    await client.dispose();
    expect((await harry.gql("{ me { username } }")).body.data).toEqual({ me: { username: "harry" } });
  });
});
