// The Pothos builder: plugins, Context, auth scopes and their loaders. Defines no types.
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from "@pothos/plugin-scope-auth";
import { forbidden, reauthenticationRequired, unauthenticated } from "../errors.js";
import type { House } from "../generated/prisma/enums.js";
import type { Context, SignedInContext } from "../http/context.js";
import { isRecent, secondFactorRecent } from "../session/step-up.js";

/** The scopes whose failure, for a signed-in caller, asks for a re-authentication. */
const STEP_UP_SCOPES = new Set(["recentAuth", "recentSecondFactor"]);

/** Whether a failed check failed on a step-up scope. */
function failedStepUp(failure: AuthFailure): boolean {
  if (failure.kind === AuthScopeFailureType.AuthScope) return STEP_UP_SCOPES.has(failure.scope);
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    return failure.failures.some(failedStepUp);
  }
  return false;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: {
    /** Anyone, signed in or not. Declared explicitly on public fields. */
    public: boolean;
    /** A valid session. */
    signedIn: boolean;
    /** A signed-in professor. */
    professor: boolean;
    /** A signed-in user of the given house. */
    sameHouse: House;
    /** The signed-in user has the given user id. */
    self: string;
    /**
     * Signed in, and fully authenticated within REAUTH_MAX_AGE, with the second factor when
     * the user has one. Fails with REAUTHENTICATION_REQUIRED.
     */
    recentAuth: boolean;
    /** Signed in, and when the user has a second factor, `recentAuth`. */
    recentSecondFactor: boolean;
  };
  AuthContexts: {
    signedIn: SignedInContext;
    professor: SignedInContext;
    sameHouse: SignedInContext;
    self: SignedInContext;
    recentAuth: SignedInContext;
    recentSecondFactor: SignedInContext;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A type's rule is checked once per object (in isTypeOf), not again for each of its
    // fields: a page of 25 students is 25 checks of Student's rule instead of 75.
    runScopesOnType: true,
    // The context factory has looked the user up before execution, so each loader
    // answers at once from ctx.user: a promise per check would make every Student and email
    // field asynchronous. Login and logout update ctx.user.
    authScopes: (ctx) => ({
      public: true,
      signedIn: () => Boolean(ctx.user),
      professor: () => ctx.user?.role === "PROFESSOR",
      sameHouse: (house) => ctx.user?.house === house,
      self: (id) => ctx.user?.id === id,
      recentAuth: () => {
        const state = ctx.user ? ctx.session.authState() : null;
        return state !== null && isRecent(state, ctx.session.now(), ctx.config.session.reauthMaxAge);
      },
      recentSecondFactor: () => {
        const state = ctx.user ? ctx.session.authState() : null;
        return state !== null && secondFactorRecent(state, ctx.session.now(), ctx.config.session.reauthMaxAge);
      },
    }),
    // The user is known before execution, so ctx.user says which error applies.
    unauthorizedError: (_parent, ctx, _info, result) => {
      if (!ctx.user) return unauthenticated();
      return failedStepUp(result.failure) ? reauthenticationRequired() : forbidden();
    },
  },
});

/** Root fields deny by default: each public one says `authScopes: { public: true }`. */
builder.queryType({ authScopes: { signedIn: true } });
builder.mutationType({ authScopes: { signedIn: true } });
