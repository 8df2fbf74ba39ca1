// Request body size cap: 413 before anything is parsed.
import type { Plugin } from "graphql-yoga";

function tooLarge(max: number): Response {
  return Response.json(
    { errors: [{ message: `Request body is larger than ${max} bytes.`, extensions: { code: "BAD_USER_INPUT" } }] },
    { status: 413 },
  );
}

/** Reads at most `max` bytes of `body`; null when it holds more. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Buffer | null> {
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}

/**
 * Refuses bodies over `max` bytes with 413 and a GraphQL-shaped error: at once when
 * Content-Length says so, otherwise as soon as the streamed body passes the cap.
 */
export function useBodyLimit(max: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse, fetchAPI }) {
      if (request.method === "GET" || request.method === "HEAD" || !requestParser) return;
      const length = request.headers.get("content-length");
      if (length !== null && /^\d+$/.test(length)) {
        // The HTTP parser reads exactly Content-Length bytes of body (a longer one is not
        // this request's body), so a declared length within the cap bounds the body.
        if (Number(length) > max) endResponse(tooLarge(max));
        return;
      }
      // Chunked (or a length that is not a number): count the bytes as they arrive.
      setRequestParser(async (req) => {
        const bytes = req.body ? await readCapped(req.body, max) : Buffer.alloc(0);
        if (bytes === null) return tooLarge(max);
        return requestParser(
          new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(bytes) }),
        );
      });
    },
  };
}
