// Vitest for the mutation run: only the fast in-process suites, on PGlite, in one reused worker.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    // The in-process suites (yoga.fetch or direct calls). Those that only check files, migrations
    // or random inputs stay out: Stryker reruns the covering tests once per mutant.
    include: ["test/api/**/*.test.ts"],
    exclude: [
      "test/api/env-example.test.ts",
      "test/api/fuzz.test.ts",
      "test/api/hot-sql.test.ts",
      "test/api/migrations.test.ts",
      "test/api/operations.test.ts",
    ],
    env: { TEST_BACKENDS: "pglite" },
    // One worker kept between runs: PGlite's WASM and the Prisma client load once, not per mutant.
    isolate: false,
    reporters: ["dot"],
    outputFile: undefined,
  },
});
