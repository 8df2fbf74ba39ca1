// Prepares a bench database (run by bench/run.ts as its own process, with the server's
// environment): migrations, the students, a full first page of Gryffindors, bench users and a professor.
import { hashPassword } from "../src/auth/password.js";
import { loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { seed } from "../src/db/seed.js";
import { BENCH_PASSWORD, BENCH_PROFESSOR, BENCH_USERS, extraStudents } from "./fixtures.js";

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await migrate(db, config);
    await seed(db.prisma, { demo: false });
    await db.prisma.student.createMany({ data: extraStudents(), skipDuplicates: true });
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    await db.prisma.user.createMany({
      data: [
        ...Array.from({ length: BENCH_USERS }, (_, i) => ({
          username: `bench-${i}`,
          displayName: `Bench User ${i}`,
          passwordHash,
          role: "STUDENT" as const,
          house: "GRYFFINDOR" as const,
        })),
        { username: BENCH_PROFESSOR, displayName: "Bench Professor", passwordHash, role: "PROFESSOR" as const },
      ],
      skipDuplicates: true,
    });
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0), // the WASM schema engine leaves a timer behind
  (error: unknown) => {
    console.error(`bench setup failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
