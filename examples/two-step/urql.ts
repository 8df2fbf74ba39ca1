// urql: the two-step flows as one exchange. Put it first:
// exchanges: [twoStepExchange(prompts), cacheExchange, fetchExchange].
import { type Exchange, mapExchange, type OperationResult } from "@urql/core";
import type { DocumentNode } from "graphql";
import {
  REAUTHENTICATE,
  REAUTHENTICATION_REQUIRED,
  SECOND_FACTOR_REQUIRED,
  type SecondFactor,
  secondStepDocument,
  type TwoStepPrompts,
} from "./prompts.js";

/** Marks the one retry of an operation after a re-authentication. */
const RETRIED = "twoStepRetried";

/** How a re-authentication ended: renewed, cancelled by the user, or refused (its result). */
type StepUpOutcome = "renewed" | "cancelled" | OperationResult;

/**
 * On SECOND_FACTOR_REQUIRED from `login`: asks `prompts.secondFactor`, sends
 * `verifySecondFactor`, and answers the `login` call with its result (signed in, or its
 * INVALID_CREDENTIALS). On REAUTHENTICATION_REQUIRED (only mutations need it): asks
 * `prompts.reauthenticate`, sends `reauthenticate`, then sends the mutation once more; a
 * failed `reauthenticate` answers the mutation with its error instead. Each mutation is
 * retried at most once, and mutations that hit REAUTHENTICATION_REQUIRED together share one prompt.
 */
export function twoStepExchange(prompts: TwoStepPrompts): Exchange {
  return (input) => {
    const { client } = input;
    let stepUp: Promise<StepUpOutcome> | null = null;

    /** One prompt and `reauthenticate` for every mutation waiting on it. */
    function renewedSignIn(): Promise<StepUpOutcome> {
      stepUp ??= (async (): Promise<StepUpOutcome> => {
        const answer = await prompts.reauthenticate();
        if (!answer) return "cancelled";
        const result = await client.mutation(REAUTHENTICATE, answer).toPromise();
        return result.error ? result : "renewed";
      })().finally(() => {
        stepUp = null;
      });
      return stepUp;
    }

    async function finishSignIn(
      refused: OperationResult,
      document: DocumentNode,
      methods: SecondFactor[],
    ): Promise<OperationResult> {
      const answer = await prompts.secondFactor(methods);
      if (!answer) return refused;
      const verified = await client.mutation(document, answer).toPromise();
      return { ...verified, operation: refused.operation }; // delivered to the `login` call
    }

    async function retryAfterStepUp(refused: OperationResult): Promise<OperationResult> {
      const outcome = await renewedSignIn();
      if (outcome === "cancelled") return refused;
      if (outcome !== "renewed") return { ...outcome, operation: refused.operation };
      const { query, variables, context } = refused.operation;
      // A new mutation (its own instance) marked as the retry, so that a second
      // REAUTHENTICATION_REQUIRED reaches the caller instead of prompting again.
      const again = await client
        .mutation(query, variables, { url: context.url, fetchOptions: context.fetchOptions, [RETRIED]: true })
        .toPromise();
      return { ...again, operation: refused.operation };
    }

    return mapExchange({
      onResult(result) {
        const [first] = result.error?.graphQLErrors ?? [];
        const code = first?.extensions?.code;
        const { operation } = result;
        if (code === SECOND_FACTOR_REQUIRED) {
          const document = secondStepDocument(operation.query);
          const methods = (first.extensions.methods ?? []) as SecondFactor[];
          if (document) return finishSignIn(result, document, methods);
        }
        if (code === REAUTHENTICATION_REQUIRED && operation.kind === "mutation" && !operation.context[RETRIED]) {
          return retryAfterStepUp(result);
        }
        return result;
      },
    })(input);
  };
}
