// Hostile documents: thousands of generated, mutated and contract documents with hostile
// variables, each answered without a 5xx, a leak or a change to the database.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, createFuzzTarget, document, FUZZ_TIMEOUT, type FuzzTarget, variables } from "../helpers/fuzz.js";

describe("fuzzing GraphQL documents and variables (pglite)", () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await createFuzzTarget();
  });
  afterAll(() => target?.app.dispose());

  it(
    "answers 4,000 generated and mutated documents without a 5xx, a leak or a change",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          document,
          fc.option(variables),
          fc.option(fc.constantFrom("A", "B", "", 5 as unknown as string)),
          async (query, vars, op) => {
            const body: Record<string, unknown> = { query };
            if (vars !== null) body.variables = vars;
            if (op !== null) body.operationName = op;
            await target.attack({
              method: "POST",
              body: JSON.stringify(body),
              headers: { "content-type": "application/json" },
            });
          },
        ),
        { numRuns: 4000 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "answers 3,000 contract documents with hostile variables and real ids",
    async () => {
      const ids = fc.constantFrom(...target.studentIds, "", "U3R1ZGVudDo", "VXNlcjox", "x".repeat(300));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CORPUS), variables, ids, async (query, vars, id) => {
          const v = typeof vars === "object" && vars !== null && !Array.isArray(vars) ? { ...vars, id } : vars;
          await target.attack({
            method: "POST",
            body: JSON.stringify({ query, variables: v }),
            headers: { "content-type": "application/json" },
          });
        }),
        { numRuns: 3000 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it("changed nothing in the database after 7,000 requests", async () => {
    expect(target.sent()).toBeGreaterThanOrEqual(7_000);
    await target.unchanged();
  });
});
