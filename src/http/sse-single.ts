// GraphQL over SSE in single-connection mode on /graphql (Yoga's distinct-connections mode needs nothing).
import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import type { Plugin } from "graphql-yoga";

const TOKEN_HEADER = "x-graphql-event-stream-token";
const SIMPLE_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/** A reservation (PUT) or a request naming a reserved stream: the protocol's single-connection mode. */
function isSingleConnection(request: Request): boolean {
  if (request.method === "PUT") return true;
  return request.headers.has(TOKEN_HEADER) || new URL(request.url).searchParams.has("token");
}

/**
 * Serves the single-connection mode of GraphQL over SSE (graphql-sse) on `/graphql`, leaving
 * every other request to Yoga. These requests bypass Yoga's request parsing, so the CSRF rule
 * is applied here: an operation must come with a preflighted content type or one of
 * `csrfHeaders`; otherwise a cross-site form could run it with the visitor's cookie and have
 * it stream to a reservation its author holds. Streams live in this process: behind a
 * balancer a client's requests must reach the same instance.
 */
export function useSingleConnectionSse(csrfHeaders: readonly string[]): Plugin {
  const inner = useGraphQLSSE({ endpoint: "/graphql" });
  return {
    onYogaInit: inner.onYogaInit,
    onRequest(payload) {
      const { request, url, endResponse, fetchAPI } = payload;
      if (url.pathname !== "/graphql" || !isSingleConnection(request)) return;
      if (request.method === "POST") {
        const type = request.headers.get("content-type")?.toLowerCase() ?? "";
        const simple = !type || SIMPLE_CONTENT_TYPES.some((t) => type.startsWith(t));
        if (simple && !csrfHeaders.some((h) => request.headers.has(h))) {
          endResponse(
            new fetchAPI.Response(JSON.stringify({ errors: [{ message: "Required CSRF header(s) not present" }] }), {
              status: 403,
              headers: { "content-type": "application/json" },
            }),
          );
          return;
        }
      }
      return inner.onRequest?.(payload);
    },
    // graphql-sse takes a result without `data` for execution arguments and answers 400; a
    // refused subscription (UNAUTHENTICATED) must reach the client as a result instead.
    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request || !isSingleConnection(request)) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result) && !("data" in result)) setResult({ data: null, ...result });
        },
      };
    },
  };
}
