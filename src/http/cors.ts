// CORS that fails closed, and the headers that mark a request as sent by a script (CSRF).

/** Headers that mark a GET (or form-typed POST) as sent by a script, not a cross-site form. */
export const CSRF_HEADERS = ["x-graphql-yoga-csrf", "graphql-preflight", "apollo-require-preflight"];

/**
 * Yoga's `cors` option: only origins listed in CORS_ORIGINS get Access-Control-Allow-Origin
 * (and credentials); any other origin gets no CORS headers.
 */
export function corsFor(allowed: readonly string[]) {
  const set = new Set(allowed);
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (!origin || !set.has(origin)) return false as const;
    return {
      origin,
      credentials: true,
      methods: ["GET", "POST", "PUT", "DELETE"],
      allowedHeaders: ["content-type", "accept", "x-graphql-event-stream-token", ...CSRF_HEADERS],
      maxAge: 600,
    };
  };
}
