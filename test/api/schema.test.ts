// The schema: every field declares its auth, and the committed SDL matches the code.
import { readFileSync } from "node:fs";
import { isObjectType, printSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";

interface PothosFieldOptions {
  authScopes?: unknown;
  skipTypeScopes?: boolean;
}

describe("schema", () => {
  it("declares an auth rule for every field, and root fields deny by default", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith("__")) continue;
      const typeRule = (type.extensions.pothosOptions as PothosFieldOptions | undefined)?.authScopes;
      const root = type === schema.getQueryType() || type === schema.getMutationType();
      if (root) expect(typeRule, `${type.name} denies by default`).toEqual({ signedIn: true });
      for (const field of Object.values(type.getFields())) {
        const options = field.extensions.pothosOptions as PothosFieldOptions | undefined;
        const own = options?.authScopes;
        const inherits = typeRule !== undefined && !options?.skipTypeScopes;
        if (own === undefined && !inherits) missing.push(`${type.name}.${field.name}`);
        if (root && options?.skipTypeScopes && own === undefined) missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("names the public root fields explicitly", () => {
    const publicFields: string[] = [];
    for (const type of [schema.getQueryType(), schema.getMutationType()]) {
      for (const field of Object.values(type?.getFields() ?? {})) {
        const options = field.extensions.pothosOptions as PothosFieldOptions | undefined;
        if (options?.skipTypeScopes) publicFields.push(`${type?.name}.${field.name}`);
      }
    }
    expect(publicFields.sort()).toEqual([
      "Mutation.login",
      "Mutation.loginWithPasskey",
      "Mutation.logout",
      "Mutation.passkeyLoginOptions",
      "Mutation.requestPasswordReset",
      "Mutation.resetPassword",
      "Mutation.verifyEmail",
      "Mutation.verifySecondFactor",
      "Query.houses",
      "Query.me",
      "Query.node",
    ]);
  });

  it("matches the committed schema.graphql (run `npm run schema` after a change)", () => {
    const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
