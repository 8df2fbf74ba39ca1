// Malformed JSON in a request: a 400 that does not echo the request back.
import type { Plugin } from "graphql-yoga";

/** Yoga's POST parser's error: the SyntaxError's name and message copied into its extensions. */
function isPostJsonError(error: unknown): boolean {
  const extensions = (error as { extensions?: { originalError?: { name?: unknown } } } | null)?.extensions;
  return extensions?.originalError?.name === "SyntaxError";
}

/**
 * Yoga's GET parser calls JSON.parse on `variables` and `extensions` unguarded, so
 * `?variables={` became an unexpected (500) error; its POST parser answers 400 but sends the
 * SyntaxError in `extensions.originalError`, whose message quotes the body (a password in the
 * variables with it). Any SyntaxError while parsing the request is the client's mistake:
 * answer 400 with a fixed GraphQL-shaped error.
 */
export function useParseErrors(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError) && !isPostJsonError(error)) throw error;
          return Response.json(
            { errors: [{ message: "The request holds malformed JSON.", extensions: { code: "BAD_REQUEST" } }] },
            { status: 400 },
          );
        }
      });
    },
  };
}
