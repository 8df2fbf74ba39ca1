// `npm run build` (run by `npm start`): src/**/*.ts to dist/**/*.js, one file per file, no
// bundling, so that the server runs on plain `node`. tsx at run time costs about 30 MB of
// RSS (its loader thread) and turns on source maps, which make every error's stack costly.
// Type checking is `npm run typecheck`'s job; this only strips types.
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const src = path.join(root, "src");
const out = path.join(root, "dist");

const entryPoints = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
  .map((file) => path.join(src, file));

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: out,
  outbase: src,
  bundle: false,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
