import { defineConfig } from "vitest/config";

export default defineConfig({
  // Node loads graphql's CommonJS build for dependencies; make our own imports use the same
  // copy (graphql refuses to mix its .mjs and .js realms).
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: PGlite (WASM) and argon2 are CPU-heavy; two files at a time.
    maxWorkers: 2,
    // TEST_DATABASE_VIA=pgbouncer: one PgBouncer for the run, stopped when it ends.
    globalSetup: ["test/helpers/global-pgbouncer.ts"],
    // The JSON report feeds .ci/run's one-line summary ("N passed, N failed").
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
