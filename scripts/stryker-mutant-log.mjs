// A Stryker reporter that appends each mutant's result to reports/mutation/mutants.jsonl as soon as
// it is known, so that a long run stopped early still tells which mutants it tested and how they
// fared (Stryker's own JSON report is written only at the end). `node scripts/mutation-summary.mjs
// --partial` reads it.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { declareClassPlugin, PluginKind } from "@stryker-mutator/api/plugin";

/** Where the lines go: `MUTANT_LOG` names another file, so that a second run keeps the first one's lines. */
const OUT = process.env.MUTANT_LOG ?? "reports/mutation/mutants.jsonl";

class MutantLog {
  static inject = [];
  /** @type {Map<string, string[]>} */
  lines = new Map();

  constructor() {
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, "");
  }

  /** The replaced source text (report positions: lines and columns from 1). */
  original(file, { start, end }) {
    let lines = this.lines.get(file);
    if (!lines) {
      lines = readFileSync(file, "utf8").split("\n");
      this.lines.set(file, lines);
    }
    const [first, last] = [lines[start.line - 1], lines[end.line - 1]];
    if (start.line === end.line) return first.slice(start.column - 1, end.column - 1);
    return [
      first.slice(start.column - 1),
      ...lines.slice(start.line, end.line - 1),
      last.slice(0, end.column - 1),
    ].join("\n");
  }

  onMutantTested(mutant) {
    const file = path.relative(process.cwd(), mutant.fileName);
    const entry = {
      file,
      line: mutant.location.start.line,
      mutator: mutant.mutatorName,
      original: this.original(mutant.fileName, mutant.location),
      replacement: mutant.replacement ?? "",
      status: mutant.status,
      at: new Date().toISOString(),
    };
    appendFileSync(OUT, `${JSON.stringify(entry)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, "mutant-log", MutantLog)];
