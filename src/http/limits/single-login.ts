// Validation rule: one `login` per document, so aliases cannot multiply password guesses.
import { type ASTVisitor, GraphQLError, type ValidationContext } from "graphql";

/**
 * Reports a document that selects `Mutation.login` more than once (aliases, fragments,
 * or several operations). Runs in validation, so nothing of it executes. The throttle
 * still counts every execution; this keeps one request to one guess.
 */
export function SingleLoginRule(context: ValidationContext): ASTVisitor {
  let seen = 0;
  return {
    Field(node) {
      if (node.name.value !== "login" || context.getParentType()?.name !== "Mutation") return;
      seen += 1;
      if (seen === 2) {
        context.reportError(
          new GraphQLError("A request may call login only once.", {
            nodes: node,
            extensions: { code: "BAD_USER_INPUT" },
          }),
        );
      }
    },
  };
}
