// TEST_PGLITE_IMAGE=1 (the mutation run): in-memory PGlite apps start from an image of a migrated,
// seeded database, kept on disk across test processes, instead of running initdb, the migrations
// and the seed each time (about 10 s per app on a loaded 2-core machine, 2 s from the image).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Config } from "../../src/config/index.js";
import { IN_MEMORY, openDatabase } from "../../src/db/client.js";
import { prepareDatabase } from "../../src/db/prepare.js";
import { createLogger } from "../../src/log.js";

export const USE_PGLITE_IMAGE = process.env.TEST_PGLITE_IMAGE === "1";

const root = path.resolve(import.meta.dirname, "../..");
const images = new Map<string, Promise<Blob>>();

/** A name for what the image holds: the migrations, the seed, and whether it has the demo accounts. */
function imageKey(demo: boolean): string {
  const hash = createHash("sha256").update(`demo=${demo}`);
  const migrations = path.join(root, "prisma/migrations");
  for (const name of readdirSync(migrations, { recursive: true }).map(String).sort()) {
    const file = path.join(migrations, name);
    if (statSync(file).isFile()) hash.update(name).update(readFileSync(file));
  }
  for (const file of ["prisma/schema.prisma", "src/db/migrate.ts", "src/db/seed.ts"]) {
    hash.update(readFileSync(path.join(root, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

async function makeImage(config: Config, file: string): Promise<Blob> {
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const db = await openDatabase({ ...config, databaseUrl: null, dataDir: IN_MEMORY });
  try {
    await prepareDatabase(db, { ...config, migrateOnStart: true, seedOnStart: true }, createLogger(config));
    const image = await (db.image as () => Promise<Blob>)();
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()));
    renameSync(partial, file); // atomic: a parallel process reads a whole image or makes its own
    return image;
  } finally {
    await db.close();
  }
}

/** The image an app with `config` (in-memory PGlite) starts from, made once per content. */
export function pgliteImage(config: Config): Promise<Blob> {
  const key = imageKey(config.nodeEnv !== "production");
  let image = images.get(key);
  if (!image) {
    image = makeImage(config, path.join(tmpdir(), `hogwarts-pglite-${key}.tar`));
    images.set(key, image);
  }
  return image;
}
