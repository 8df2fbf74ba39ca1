// Vitest for the mutation run: only the fast in-process suites, on PGlite, in one reused worker.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    // The in-process suites (yoga.fetch or direct calls). Stryker reruns the covering tests once
    // per mutant, so these stay out: those that only check files or migrations, the fuzzers
    // (thousands of random requests: minutes per mutant), the timing statistics (noise under load
    // would "kill" mutants) and the PostgreSQL-only SMTP outage (mail is not mutated).
    include: ["test/api/**/*.test.ts"],
    exclude: [
      "test/api/env-example.test.ts",
      "test/api/fuzz-documents.test.ts",
      "test/api/fuzz-http.test.ts",
      "test/api/mail-outage.test.ts",
      "test/api/hot-sql.test.ts",
      "test/api/migrations.test.ts",
      "test/api/operations.test.ts",
      "test/api/reset-timing.test.ts",
    ],
    // PGlite apps start from one migrated, seeded image (test/helpers/pglite-image.ts).
    env: { TEST_BACKENDS: "pglite", TEST_PGLITE_IMAGE: "1" },
    // One worker kept between runs: PGlite's WASM and the Prisma client load once, not per mutant.
    isolate: false,
    reporters: ["dot"],
    outputFile: undefined,
  },
});
