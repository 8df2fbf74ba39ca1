// Reads a GraphQL-over-SSE response (distinct connections mode) event by event.
import type { TestApp, TestClient } from "./app.js";

export interface SseMessage {
  event: string;
  data: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export interface SseStream {
  status: number;
  /** The next `next` or `complete` message; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** Every message read so far. */
  seen: SseMessage[];
  close(): Promise<void>;
}

/** Follows `response` (text/event-stream) and queues its messages; pings (`:`) are skipped. */
export function readSse(response: Response): SseStream {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const queue: SseMessage[] = [];
  const seen: SseMessage[] = [];
  let buffer = "";
  let ended = false;
  const waiters: (() => void)[] = [];
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (!event) continue;
          const raw = /^data:(.*)$/m.exec(block)?.[1]?.trim() ?? "";
          const message = { event, data: raw ? JSON.parse(raw) : {} };
          queue.push(message);
          seen.push(message);
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch {
      // cancelled
    }
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  })();
  return {
    status: response.status,
    seen,
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (ended) throw new Error("stream ended without another message");
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return queue.shift() as SseMessage;
    },
    close: () => reader.cancel().catch(() => {}),
  };
}

/** Opens `query` as an SSE stream with the client's cookie, as a browser's fetch would. */
export async function subscribeSse(
  app: TestApp,
  client: TestClient | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<SseStream> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (client?.cookie) headers.cookie = `session=${client.cookie}`;
  const response = await app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return readSse(response);
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
