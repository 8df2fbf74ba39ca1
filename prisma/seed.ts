// `npm run db:seed`: loads the demo data (students; demo accounts outside production).
import { loadConfig } from "../src/config/index.js";
import { openDatabase } from "../src/db/client.js";
import { migrate } from "../src/db/migrate.js";
import { seed } from "../src/db/seed.js";

try {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (config.migrateOnStart) await migrate(db, config);
    await seed(db.prisma, { demo: config.nodeEnv !== "production" });
    console.log(config.nodeEnv === "production" ? "Seeded students (no demo accounts in production)." : "Seeded.");
  } finally {
    await db.close();
  }
  process.exit(0);
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
