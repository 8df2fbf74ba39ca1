// `.env.example` and docs/configuration.md name every variable src/config/ reads.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/process.js";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** Variables read in src/config/: `env.NAME` and helper calls like `int(env, "NAME", …)`. */
function configVariables(): string[] {
  const files = readdirSync(path.join(ROOT, "src/config")).filter((f) => f.endsWith(".ts"));
  const source = files.map((f) => read(`src/config/${f}`)).join("\n");
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]);
  for (const m of source.matchAll(/\(env, "([A-Z][A-Z0-9_]+)"/g)) names.add(m[1]);
  return [...names].sort();
}

describe("configuration documentation", () => {
  it("finds the variables src/config/ reads", () => {
    expect(configVariables()).toEqual(
      expect.arrayContaining(["DATABASE_URL", "PORT", "SESSION_SECRET", "DB_TIMEOUT_MS"]),
    );
  });

  it("lists every variable in .env.example", () => {
    const listed = new Set([...read(".env.example").matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(configVariables().filter((v) => !listed.has(v))).toEqual([]);
  });

  it("documents every variable in docs/configuration.md, the page the README points to", () => {
    const page = read("docs/configuration.md");
    expect(configVariables().filter((v) => !page.includes(`\`${v}\``))).toEqual([]);
  });
});
