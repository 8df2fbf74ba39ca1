// Turns Stryker's JSON report (mutation-testing-report-schema) into docs/mutation.md: the
// score per folder and every surviving mutant, with the reason when it is an equivalent one.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
// --partial: a run stopped early, from the mutants it had tested: the JSON lines of
// scripts/stryker-mutant-log.mjs (the default then), or the incremental report Stryker saves
// when interrupted (reports/mutation/stryker-incremental.json).
const partial = process.argv.includes("--partial");
const reportFile = path.resolve(
  root,
  process.argv.slice(2).find((a) => !a.startsWith("--")) ??
    (partial ? "reports/mutation/mutants.jsonl" : "reports/mutation/mutation.json"),
);
const equivalentsFile = path.join(root, "scripts/mutation-equivalents.json");
const out = path.join(root, "docs/mutation.md");

const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/**
 * `near`, when given, is text that must occur on the mutant's line: it tells apart mutants whose
 * original and replacement alone are alike (a `false` that becomes `true`).
 * @type {{file: string, near?: string, mutator: string, original: string, replacement: string, reason: string}[]}
 */
const equivalents = JSON.parse(readFileSync(equivalentsFile, "utf8"));

/** The source text a mutant replaces (its location is 1-based lines, 1-based columns). */
function originalText(source, { start, end }) {
  const lines = source.split("\n");
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const first = lines[start.line - 1].slice(start.column - 1);
  const middle = lines.slice(start.line, end.line - 1);
  const last = lines[end.line - 1].slice(0, end.column - 1);
  return [first, ...middle, last].join("\n");
}

const oneLine = (text, max = 70) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const cell = (text) => `\`${text.replaceAll("`", "'").replaceAll("|", "\\|")}\``;

/** Top-level files of src/ are grouped as one row; others by their folder. */
const folderOf = (file) => (path.dirname(file) === "src" ? "src/*.ts" : `${path.dirname(file)}/`);

/** Every mutant as {file, line, mutator, original, replacement, status}, and the run's timings if known. */
function load() {
  const text = readFileSync(reportFile, "utf8");
  if (reportFile.endsWith(".jsonl"))
    return {
      perf: null,
      mutants: text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  const report = JSON.parse(text);
  const mutants = Object.entries(report.files).flatMap(([file, { source, mutants }]) =>
    mutants.map((m) => ({
      file,
      line: m.location.start.line,
      mutator: m.mutatorName,
      original: originalText(source, m.location),
      replacement: m.replacement ?? "",
      status: m.status,
    })),
  );
  return { perf: report.performance, mutants };
}

const sources = new Map();
/** The text of `line` (from 1) of `file` as it is on disk; an equivalent's `near` must occur in it. */
function sourceLine(file, line) {
  if (!sources.has(file)) sources.set(file, readFileSync(path.join(root, file), "utf8").split("\n"));
  return sources.get(file)[line - 1] ?? "";
}

const loaded = load();
const byFile = Map.groupBy(loaded.mutants, (m) => m.file);
const folders = new Map();
const survivors = [];
const usedEquivalents = new Set();
for (const [file, mutants] of byFile) {
  const folder = folderOf(file);
  const counts = folders.get(folder) ?? {
    total: 0,
    Killed: 0,
    Timeout: 0,
    Survived: 0,
    NoCoverage: 0,
    Ignored: 0,
    CompileError: 0,
    RuntimeError: 0,
  };
  folders.set(folder, counts);
  for (const mutant of mutants) {
    counts.total++;
    counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
    if (!UNDETECTED.has(mutant.status)) continue;
    const match = equivalents.find(
      (e) =>
        e.file === file &&
        (e.near === undefined || sourceLine(file, mutant.line).includes(e.near)) &&
        e.mutator === mutant.mutator &&
        oneLine(e.original, 1000) === oneLine(mutant.original, 1000) &&
        oneLine(e.replacement, 1000) === oneLine(mutant.replacement, 1000),
    );
    if (match) usedEquivalents.add(match);
    survivors.push({ file, mutant, reason: match?.reason ?? null });
  }
}

const score = (c) => {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return valid ? (100 * detected) / valid : 100;
};
const pct = (n) => `${n.toFixed(1)} %`;
/** The score with the equivalent survivors left out, as if Stryker had not made them. */
const scoreWithout = (c, equivalent) => score({ ...c, Survived: c.Survived - equivalent });

const all = {
  total: 0,
  Killed: 0,
  Timeout: 0,
  Survived: 0,
  NoCoverage: 0,
  Ignored: 0,
  CompileError: 0,
  RuntimeError: 0,
};
const rows = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b));
for (const [, c] of rows) for (const key of Object.keys(all)) all[key] += c[key] ?? 0;

const perf = loaded.perf;
const minutes = (ms) => `${Math.round(ms / 60_000)} min`;
const equivalentCount = survivors.filter((s) => s.reason).length;

const lines = [
  "# Mutation testing",
  "",
  "Generated by `npm run test:mutation` (Stryker; `scripts/mutation-summary.mjs` writes this page",
  "from `reports/mutation/mutation.json`). What it is, when to run it and how long it takes:",
  "[testing](testing.md#mutation-testing).",
  "",
  `${partial ? "Partial run (stopped early; only the mutants it tested)" : "Run"} of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC${
    perf
      ? `: ${minutes(perf.setup + perf.initialRun + perf.mutation)} in all (initial test run ${minutes(perf.initialRun)}, mutants ${minutes(perf.mutation)})`
      : ""
  }. Mutants are counted by Stryker's rules: score = (killed + timeout) / (killed + timeout + survived + no coverage);`,
  "compile errors (caught by the TypeScript checker) and ignored mutants (static ones, evaluated only",
  "when a module loads) do not count.",
  "",
  "| folder | mutants | killed | timeout | survived | no coverage | equivalent (of survived) | ignored | compile error | score | without equivalents |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(([folder, c]) => {
    const eq = survivors.filter((s) => s.reason && folderOf(s.file) === folder).length;
    return `| \`${folder}\` | ${c.total} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${eq} | ${c.Ignored} | ${c.CompileError + c.RuntimeError} | ${pct(score(c))} | ${pct(scoreWithout(c, eq))} |`;
  }),
  `| **all** | ${all.total} | ${all.Killed} | ${all.Timeout} | ${all.Survived} | ${all.NoCoverage} | ${equivalentCount} | ${all.Ignored} | ${all.CompileError + all.RuntimeError} | **${pct(score(all))}** | **${pct(scoreWithout(all, equivalentCount))}** |`,
  "",
  "## Surviving mutants",
  "",
  "Equivalent mutants change no behaviour anyone can observe; the reason says why. The others are",
  "gaps a test could close.",
  "",
];
let currentFile = null;
for (const { file, mutant, reason } of survivors.sort(
  (a, b) => a.file.localeCompare(b.file) || a.mutant.line - b.mutant.line,
)) {
  if (file !== currentFile) {
    if (currentFile !== null) lines.push("");
    lines.push(
      `### \`${file}\``,
      "",
      "| line | mutator | original | mutant | status | why it survives |",
      "| ---: | --- | --- | --- | --- | --- |",
    );
    currentFile = file;
  }
  lines.push(
    `| ${mutant.line} | ${mutant.mutator} | ${cell(oneLine(mutant.original, 50))} | ${cell(oneLine(mutant.replacement, 50))} | ${mutant.status} | ${reason ?? "not equivalent: no test notices"} |`,
  );
}
if (!survivors.length) lines.push("None.");
lines.push("");

writeFileSync(out, lines.join("\n"));
const stale = equivalents.filter((e) => !usedEquivalents.has(e));
console.log(
  `docs/mutation.md: ${pct(score(all))} overall, ${survivors.length} survivors (${equivalentCount} equivalent)`,
);
if (stale.length)
  console.log(`equivalents no longer matching a survivor: ${stale.length} (edit scripts/mutation-equivalents.json)`);
