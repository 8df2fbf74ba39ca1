// Summarises a V8 .cpuprofile as text: self time by category and the top functions.
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's self time belongs; first match wins. */
const CATEGORIES: [string, (f: CallFrame) => boolean][] = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["GC", (f) => f.functionName === "(garbage collector)"],
  ["unseal (iron-session, WebCrypto)", (f) => /iron-session|iron-webcrypto|uncrypto|internal\/crypto/.test(f.url)],
  [
    "database (Prisma, driver, PGlite)",
    (f) => /@prisma|\/prisma\/|generated\/prisma|\/pg\/|\/pg-|pglite|postgres/.test(f.url),
  ],
  ["auth scopes (Pothos scope-auth)", (f) => /plugin-scope-auth/.test(f.url)],
  ["execution (graphql-js, Pothos, jit)", (f) => /\/graphql\/|graphql-jit|@pothos|fast-json-stringify/.test(f.url)],
  ["serialization (JSON)", (f) => /stringify|JSON/.test(f.functionName) && f.url === ""],
  [
    "Yoga pipeline (Yoga, envelop, whatwg-node)",
    (f) => /graphql-yoga|@envelop|@whatwg-node|@graphql-tools/.test(f.url),
  ],
  ["app code (src/, compiled to dist/)", (f) => /\/(src|dist)\//.test(f.url)],
  ["WebAssembly (PGlite's postgres, Prisma's query compiler)", (f) => f.url.startsWith("wasm://")],
  ["HTTP and streams (node:)", (f) => f.url.startsWith("node:")],
  ["V8 / native (program)", (f) => f.functionName === "(program)" || f.url === ""],
  ["other", () => true],
];

function category(frame: CallFrame): string {
  return CATEGORIES.find(([, test]) => test(frame))?.[0] ?? "other";
}

function short(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  if (i >= 0) return url.slice(i + "node_modules/".length);
  const s = url.search(/\/(src|dist)\//);
  return s >= 0 ? url.slice(s + 1) : url.replace(/^file:\/\//, "");
}

/**
 * Markdown: self time per category (share of busy time) and the 25 hottest functions.
 * Samples in the first `skipSeconds` (start-up: module loading, migrations) and after
 * `untilSeconds` are left out.
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
  const categories = new Map<string, number>();
  const functions = new Map<string, { us: number; cat: string }>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    const cat = category(frame);
    categories.set(cat, (categories.get(cat) ?? 0) + us);
    const key = `${frame.functionName || "(anonymous)"} ${short(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    const entry = functions.get(key) ?? { us: 0, cat };
    entry.us += us;
    functions.set(key, entry);
  }
  const idle = categories.get("idle") ?? 0;
  const busy = total - idle;
  const share = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const lines = [
    `Sampled ${(total / 1e6).toFixed(1)} s, idle ${((100 * idle) / total).toFixed(0)}%; shares below are of the busy time.`,
    "",
    "| category | self time | share |",
    "| --- | ---: | ---: |",
  ];
  for (const [cat, us] of [...categories].filter(([c]) => c !== "idle").sort((a, b) => b[1] - a[1])) {
    lines.push(`| ${cat} | ${(us / 1000).toFixed(0)} ms | ${share(us)} |`);
  }
  lines.push("", "| function | category | self | share |", "| --- | --- | ---: | ---: |");
  const top = [...functions].filter(([, v]) => v.cat !== "idle").sort((a, b) => b[1].us - a[1].us);
  for (const [name, { us, cat }] of top.slice(0, 25)) {
    lines.push(`| \`${name.replace(/\|/g, "\\|")}\` | ${cat} | ${(us / 1000).toFixed(0)} ms | ${share(us)} |`);
  }
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("profile.ts") && process.argv[2]) {
  console.log(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 0), Number(process.argv[4] ?? Infinity)));
}
