// Vitest for the mutation run: only the fast in-process suites, on PGlite, in one reused worker.
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      // Suites that drive the app through yoga.fetch (or call the code directly); spawned
      // servers, browsers and Redis stay out: Stryker reruns these once per mutant.
      include: [
        "test/api/**/*.test.ts",
        "test/client-address.test.ts",
        "test/cookie-attributes.test.ts",
        "test/csrf-cors.test.ts",
        "test/enumeration.test.ts",
        "test/hostile-input.test.ts",
        "test/login.test.ts",
        "test/points.test.ts",
        "test/schema.test.ts",
        "test/session-lifecycle.test.ts",
        "test/students-page-query.test.ts",
        "test/students.test.ts",
        "test/throttle.test.ts",
        "test/throttle-redis.test.ts",
      ],
      env: { TEST_BACKENDS: "pglite" },
      // One worker kept between runs: PGlite's WASM and the Prisma client load once, not per mutant.
      isolate: false,
      reporters: ["dot"],
    },
  }),
);
