// Apollo Client: the two-step flows as one error link. Put it first in the chain:
// ApolloLink.from([twoStepLink(prompts), new HttpLink({ uri, credentials: "include" })]).
import { type ApolloClient, type ApolloLink, CombinedGraphQLErrors, type DocumentNode } from "@apollo/client";
import { ErrorLink } from "@apollo/client/link/error";
import { from, mergeMap, type Observable, of } from "rxjs";
import {
  REAUTHENTICATE,
  REAUTHENTICATION_REQUIRED,
  SECOND_FACTOR_REQUIRED,
  type SecondFactor,
  secondStepDocument,
  type TwoStepPrompts,
} from "./prompts.js";

/** How a re-authentication ended: renewed, cancelled by the user, or refused (its result). */
type StepUpOutcome = "renewed" | "cancelled" | ApolloLink.Result;

/**
 * On SECOND_FACTOR_REQUIRED from `login`: asks `prompts.secondFactor`, sends
 * `verifySecondFactor`, and answers the `login` call with its result (signed in, or its
 * INVALID_CREDENTIALS). On REAUTHENTICATION_REQUIRED: asks `prompts.reauthenticate`, sends
 * `reauthenticate`, then sends the operation once more; a failed `reauthenticate` answers the
 * operation with its error instead. Each operation is retried at most once, and operations
 * that hit REAUTHENTICATION_REQUIRED together share one prompt.
 */
export function twoStepLink(prompts: TwoStepPrompts): ApolloLink {
  let stepUp: Promise<StepUpOutcome> | null = null;

  /** Runs `mutation` with the user's answer; its errors come back as a result, not thrown. */
  async function send(
    client: ApolloClient,
    mutation: DocumentNode,
    variables: Record<string, unknown>,
  ): Promise<ApolloLink.Result> {
    const { data, error } = await client.mutate({ mutation, variables, errorPolicy: "all", fetchPolicy: "no-cache" });
    if (!error) return { data: data as Record<string, unknown> };
    if (CombinedGraphQLErrors.is(error)) return { data: null, errors: error.errors };
    throw error; // the network failed: the operation fails with it
  }

  /** One prompt and `reauthenticate` for every operation waiting on it. */
  function renewedSignIn(client: ApolloClient): Promise<StepUpOutcome> {
    stepUp ??= (async (): Promise<StepUpOutcome> => {
      const answer = await prompts.reauthenticate();
      if (!answer) return "cancelled";
      const result = await send(client, REAUTHENTICATE, answer);
      return result.errors ? result : "renewed";
    })().finally(() => {
      stepUp = null;
    });
    return stepUp;
  }

  return new ErrorLink(({ error, result, operation, forward }): Observable<ApolloLink.Result> | undefined => {
    if (!CombinedGraphQLErrors.is(error) || !result) return;
    const [first] = error.errors;
    const code = first?.extensions?.code;
    if (code === SECOND_FACTOR_REQUIRED) {
      const document = secondStepDocument(operation.query);
      if (!document) return;
      const methods = (first.extensions?.methods ?? []) as SecondFactor[];
      return from(prompts.secondFactor(methods)).pipe(
        mergeMap((answer) => (answer ? from(send(operation.client, document, answer)) : of(result))),
      );
    }
    if (code === REAUTHENTICATION_REQUIRED) {
      // ErrorLink hands the retried operation's result straight to the caller: a second
      // REAUTHENTICATION_REQUIRED is not handled again, so there is no loop.
      return from(renewedSignIn(operation.client)).pipe(
        mergeMap((outcome) => {
          if (outcome === "renewed") return forward(operation);
          return of(outcome === "cancelled" ? result : outcome);
        }),
      );
    }
  });
}
