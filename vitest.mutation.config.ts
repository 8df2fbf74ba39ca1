// Vitest for the mutation run: only the fast in-process suites, on PGlite, sharing one worker.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// The in-process suites (yoga.fetch or direct calls). Stryker reruns the covering tests once per
// mutant, so these stay out: those that only check files or migrations, the fuzzers (thousands
// of random requests: minutes per mutant), the timing statistics (noise under load would "kill"
// mutants) and the PostgreSQL-only SMTP outage (mail is not mutated).
const LEFT_OUT = [
  "test/api/env-example.test.ts",
  "test/api/fuzz-documents.test.ts",
  "test/api/fuzz-http.test.ts",
  "test/api/hot-sql.test.ts",
  "test/api/mail-outage.test.ts",
  "test/api/migrations.test.ts",
  "test/api/operations.test.ts",
  "test/api/reset-timing.test.ts",
];
/** The one suite that mocks a module (vi.mock): it needs a module graph of its own. */
const MOCKING = ["test/api/log-secrets.test.ts"];

const common = {
  testTimeout: base.test?.testTimeout,
  hookTimeout: base.test?.hookTimeout,
  pool: base.test?.pool,
  // PGlite apps start from one migrated, seeded image (test/helpers/pglite-image.ts).
  env: { TEST_BACKENDS: "pglite", TEST_PGLITE_IMAGE: "1" },
};

export default defineConfig({
  resolve: base.resolve,
  test: {
    ...common,
    reporters: ["dot"],
    projects: [
      // The files of one run share a worker and its modules: Prisma and PGlite load once per run.
      {
        resolve: base.resolve,
        test: {
          ...common,
          name: "shared",
          include: ["test/api/**/*.test.ts"],
          exclude: [...LEFT_OUT, ...MOCKING],
          isolate: false,
        },
      },
      { resolve: base.resolve, test: { ...common, name: "mocking", include: MOCKING, isolate: true } },
    ],
  },
});
