// Validation rule: one verifier per document, so aliases cannot multiply password or code guesses.
import { type ASTVisitor, GraphQLError, type ValidationContext } from "graphql";

/** Mutations that check a password or a code: each request may make one such guess. */
export const VERIFIER_FIELDS: ReadonlySet<string> = new Set([
  "login",
  "changePassword",
  "reauthenticate",
  "verifySecondFactor",
]);

/**
 * Reports a document that selects verifier mutations (login, changePassword,
 * reauthenticate, verifySecondFactor) more than once in all (aliases, fragments, or several
 * operations). Runs in validation, so nothing of it executes. The throttle still counts
 * every execution; this keeps one request to one guess.
 */
export function SingleLoginRule(context: ValidationContext): ASTVisitor {
  let seen = 0;
  return {
    Field(node) {
      const name = node.name.value;
      if (!VERIFIER_FIELDS.has(name) || context.getParentType()?.name !== "Mutation") return;
      seen += 1;
      if (seen === 2) {
        const message =
          name === "login"
            ? "A request may call login only once."
            : "A request may call only one of login, changePassword, reauthenticate and verifySecondFactor, once.";
        context.reportError(
          new GraphQLError(message, {
            nodes: node,
            extensions: { code: "BAD_USER_INPUT" },
          }),
        );
      }
    },
  };
}
