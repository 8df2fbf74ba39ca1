// Summarises a V8 .cpuprofile as Markdown: the top ten costs (bench/profile-costs.ts) and the
// hottest functions. `npx tsx bench/profile.ts FILE [SKIP_SECONDS]` summarises a saved profile.
import { readFileSync } from "node:fs";
import { type CallFrame, type Cost, costOf, IDLE } from "./profile-costs.js";

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function short(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  if (i >= 0) return url.slice(i + "node_modules/".length);
  const s = url.search(/\/(src|dist)\//);
  return s >= 0 ? url.slice(s + 1) : url.replace(/^file:\/\//, "");
}

const TOP_COSTS = 10;
const TOP_FUNCTIONS = 20;

/**
 * Markdown: the ten largest costs (self time grouped by what it is, share of busy time, the
 * hottest functions in each), then the hottest functions. Samples in the first
 * `skipSeconds` (start-up: module loading, warm-up) and after `untilSeconds` are left out.
 */
export function summarizeProfile(file: string, skipSeconds = 0, untilSeconds = Number.POSITIVE_INFINITY): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    if (clock >= skipSeconds * 1e6 && clock <= untilSeconds * 1e6) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const costs = new Map<Cost, { us: number; functions: Map<string, number> }>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    const cost = costOf(frame);
    const entry = costs.get(cost) ?? { us: 0, functions: new Map<string, number>() };
    entry.us += us;
    const key = `${frame.functionName || "(anonymous)"}${frame.url ? ` ${short(frame.url)}:${frame.lineNumber + 1}` : ""}`;
    entry.functions.set(key, (entry.functions.get(key) ?? 0) + us);
    costs.set(cost, entry);
  }
  const idle = [...costs].find(([c]) => c.name === IDLE)?.[1].us ?? 0;
  const busy = total - idle;
  const share = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const code = (name: string) => `\`${name.replace(/\|/g, "\\|")}\``;
  const ranked = [...costs].filter(([c]) => c.name !== IDLE).sort((a, b) => b[1].us - a[1].us);
  const lines = [
    `Sampled ${(total / 1e6).toFixed(1)} s after the first ${skipSeconds.toFixed(1)} s, idle ${((100 * idle) / total).toFixed(0)}%; shares are of the busy time (${ms(busy)}).`,
    "",
    "| # | cost | self time | share | what it is; hottest functions |",
    "| ---: | --- | ---: | ---: | --- |",
  ];
  ranked.slice(0, TOP_COSTS).forEach(([cost, { us, functions }], i) => {
    const hottest = [...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, t]) => `${code(name)} ${share(t)}`)
      .join(", ");
    lines.push(`| ${i + 1} | ${cost.name} | ${ms(us)} | ${share(us)} | ${cost.what}; ${hottest} |`);
  });
  const rest = ranked.slice(TOP_COSTS);
  if (rest.length) {
    const us = rest.reduce((t, [, v]) => t + v.us, 0);
    lines.push(`|  | the rest (${rest.map(([c]) => c.name).join(", ")}) | ${ms(us)} | ${share(us)} |  |`);
  }
  lines.push("", "| function | cost | self | share |", "| --- | --- | ---: | ---: |");
  const top = ranked
    .flatMap(([cost, { functions }]) => [...functions].map(([name, us]) => ({ name, us, cost: cost.name })))
    .sort((a, b) => b.us - a.us)
    .slice(0, TOP_FUNCTIONS);
  for (const f of top) lines.push(`| ${code(f.name)} | ${f.cost} | ${ms(f.us)} | ${share(f.us)} |`);
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("profile.ts") && process.argv[2]) {
  console.log(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 0), Number(process.argv[4] ?? Infinity)));
}
