// `npm run build`: generates the Prisma client, then compiles src/**/*.ts to dist/**/*.js and
// the production command-line scripts to dist/scripts/*.js, one file per file, no bundling,
// so that the server and the scripts run on plain `node` with no dev tool installed.
// `--if-stale` (prestart, and the scripts' npm entries) rebuilds only when the sources
// changed since the last build, and never where the build tools were pruned away.
// Type checking is `npm run typecheck`'s job; this only strips types.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src");
const out = path.join(root, "dist");
const stampFile = path.join(out, ".build-stamp");

/** What production runs from the command line (`npm run db:migrate`, …); dev tools stay on tsx. */
const SCRIPTS = [
  "scripts/migrate.ts",
  "scripts/user-create.ts",
  "scripts/user-update.ts",
  "scripts/sessions-end.ts",
  "prisma/seed.ts",
];

const sources = () =>
  readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith(`generated${path.sep}`))
    .map((file) => path.join(src, file));

/** A digest of everything the build reads: a changed file means a stale dist. */
function inputsDigest() {
  const hash = createHash("sha256");
  const files = [...sources(), ...SCRIPTS.map((f) => path.join(root, f)), path.join(root, "prisma/schema.prisma")];
  for (const file of files.sort()) hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file));
  return hash.digest("hex");
}

const canBuild = () => {
  try {
    createRequire(import.meta.url).resolve("esbuild");
    return true;
  } catch {
    return false;
  }
};

if (process.argv.includes("--if-stale")) {
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === inputsDigest()) process.exit(0);
  // A production tree (`npm prune --omit=dev`) runs what the image build compiled.
  if (!canBuild()) {
    if (existsSync(path.join(out, "server.js"))) process.exit(0);
    console.error("error: dist/ is missing and the build tools are not installed: run `npm ci && npm run build`");
    process.exit(1);
  }
}

const generate = spawnSync(
  process.execPath,
  [createRequire(import.meta.url).resolve("prisma/build/index.js"), "generate"],
  {
    cwd: root,
    encoding: "utf8",
  },
);
if (generate.status !== 0) {
  console.error(`error: prisma generate failed\n${generate.stdout}${generate.stderr}`);
  process.exit(1);
}

const { build } = await import("esbuild");
// Build beside dist and swap it in, so that a running `node dist/…` never sees half a tree.
const next = `${out}.${process.pid}`;
rmSync(next, { recursive: true, force: true });
const options = { bundle: false, platform: "node", format: "esm", target: "node22", logLevel: "warning" };
const entryPoints = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
  .map((file) => path.join(src, file));
await build({ ...options, entryPoints, outdir: next, outbase: src });
// The scripts import `../src/x.js`; in dist/scripts that code is at `../x.js`.
const scripts = await build({
  ...options,
  entryPoints: SCRIPTS.map((f) => path.join(root, f)),
  write: false,
  outdir: "/",
});
mkdirSync(path.join(next, "scripts"));
for (const file of scripts.outputFiles) {
  const code = file.text.replaceAll(/(from\s+|import\s*\(\s*)(["'])\.\.\/src\//g, "$1$2../");
  writeFileSync(path.join(next, "scripts", path.basename(file.path)), code);
}
writeFileSync(path.join(next, ".build-stamp"), inputsDigest());
rmSync(out, { recursive: true, force: true });
renameSync(next, out);
