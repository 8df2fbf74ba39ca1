// Malformed JSON in a GET's `variables` or `extensions`: a 400, not Yoga's 500.
import type { Plugin } from "graphql-yoga";

/**
 * Yoga's GET parser calls JSON.parse on `variables` and `extensions` unguarded, so
 * `?variables={` became an unexpected (500) error. Any SyntaxError while parsing the
 * request is the client's mistake: answer 400 with a GraphQL-shaped error.
 */
export function useParseErrors(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          return Response.json(
            { errors: [{ message: "The request holds malformed JSON.", extensions: { code: "BAD_REQUEST" } }] },
            { status: 400 },
          );
        }
      });
    },
  };
}
