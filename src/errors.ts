// The expected errors of the API contract; anything else is masked by Yoga.
import { GraphQLError } from "graphql";

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "INVALID_CREDENTIALS"
  | "RATE_LIMITED"
  | "BAD_USER_INPUT"
  | "SECOND_FACTOR_REQUIRED"
  | "REAUTHENTICATION_REQUIRED";

/**
 * These are answers of the contract, not faults: no log line ever prints their stack (the
 * request log names only their codes; see `src/http/request-log.ts`), so none is captured.
 * graphql-js formats the stack of every error a resolver or scope throws when it adds the
 * location, which made an UNAUTHENTICATED answer cost more CPU than a signed-in page.
 * Errors that are not ours (bugs, driver failures) keep their full stacks.
 */
function error(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(message, { extensions: { code, ...extra } });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export const unauthenticated = () => error("UNAUTHENTICATED", "You must be signed in.");
export const forbidden = () => error("FORBIDDEN", "You are not allowed to do this.");
/** Ends a subscription whose view was computed for the user's former role or house. */
export const accessChanged = () =>
  error("FORBIDDEN", "Your role or house changed: subscribe again for what it now allows.");
export const invalidCredentials = () => error("INVALID_CREDENTIALS", "Invalid username or password.");
export const badInput = (message: string, argument?: string) =>
  error("BAD_USER_INPUT", message, argument ? { argument } : {});
export const rateLimited = (retryAfter: number) =>
  error("RATE_LIMITED", "Too many attempts; try again later.", { retryAfter: Math.max(1, Math.ceil(retryAfter)) });
export const invalidCode = () => error("INVALID_CREDENTIALS", "Invalid or already used code.");
export const invalidPasskey = () => error("INVALID_CREDENTIALS", "The passkey could not be verified.");
export const noPendingSignIn = () =>
  error("UNAUTHENTICATED", "No sign-in is waiting for a second factor (or it expired): call login first.");
export const secondFactorRequired = (methods: string[]) =>
  error("SECOND_FACTOR_REQUIRED", "Password accepted; now enter a code from your authenticator.", { methods });
export const reauthenticationRequired = () =>
  error(
    "REAUTHENTICATION_REQUIRED",
    "This change needs a recent sign-in: call reauthenticate with your password (and code) first.",
  );
export const invalidLink = () =>
  error("INVALID_CREDENTIALS", "This link is invalid, expired or already used: ask for a new one.");
