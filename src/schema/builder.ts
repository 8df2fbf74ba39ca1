// The Pothos builder: plugins, Context, auth scopes and their loaders. Defines no types.
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { forbidden, unauthenticated } from "../errors.js";
import type { House } from "../generated/prisma/enums.js";
import type { Context, SignedInContext } from "../http/context.js";

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
  };
  AuthContexts: {
    signedIn: SignedInContext;
    professor: SignedInContext;
    sameHouse: SignedInContext;
    self: SignedInContext;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
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
    }),
    // The user is known before execution, so ctx.user says which error applies.
    unauthorizedError: (_parent, ctx) => (ctx.user ? forbidden() : unauthenticated()),
  },
});

/** Root fields deny by default: each public one says `authScopes: { public: true }`. */
builder.queryType({ authScopes: { signedIn: true } });
builder.mutationType({ authScopes: { signedIn: true } });
