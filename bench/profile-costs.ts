// The costs a CPU profile of the server is grouped into: what each is, and which frames
// belong to it (first match wins). Used by bench/profile.ts.

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface Cost {
  name: string;
  /** What this cost is, for the reader of BENCHMARKS.md. */
  what: string;
  test(f: CallFrame): boolean;
}

const inPackage = (...names: string[]) => {
  const re = new RegExp(`node_modules/(${names.map((n) => n.replace(/[/.]/g, "\\$&")).join("|")})/`);
  return (f: CallFrame) => re.test(f.url);
};
const native = (f: CallFrame) => f.url === "";
const node = (...modules: string[]) => {
  const re = new RegExp(`^node:(internal/)?(${modules.join("|")})`);
  return (f: CallFrame) => re.test(f.url);
};

export const IDLE = "idle";

export const COSTS: Cost[] = [
  { name: IDLE, what: "waiting for the sockets or the database", test: (f) => f.functionName === "(idle)" },
  {
    name: "garbage collection",
    what: "V8 freeing each request's short-lived objects (Request, headers, context, result tree, strings)",
    test: (f) => f.functionName === "(garbage collector)",
  },
  {
    name: "socket writes",
    what: "the kernel call that writes each response to its socket (`writev` / `write*String` from libuv)",
    test: (f) => native(f) && /^(writev|writeBuffer|write\w*String)$/.test(f.functionName),
  },
  {
    name: "promise jobs",
    what: "V8 running the callbacks of settled promises (`runMicrotasks`): every `await` and `.then` on the path",
    test: (f) => f.functionName === "runMicrotasks",
  },
  {
    name: "JSON",
    what: "`JSON.parse` of each request body and `JSON.stringify` of each result, native",
    test: (f) => native(f) && /^(parse|stringify|JSON\.\w+)$/.test(f.functionName),
  },
  {
    name: "V8 and native, unattributed",
    what: "time V8 does not charge to a JavaScript function: the HTTP parser (llhttp), compilation, runtime calls",
    test: (f) => f.functionName === "(program)",
  },
  {
    name: "session unseal (iron-session, WebCrypto)",
    what: "decrypting and checking the session cookie's seal (memoised per cookie value)",
    test: (f) => inPackage("iron-session", "iron-webcrypto", "uncrypto")(f) || node("crypto", "webcrypto")(f),
  },
  {
    name: "scope checks (Pothos scope-auth)",
    what: "the auth scopes of `students` and of each Student (`isTypeOf`, `email`): Pothos' wrappers around resolvers",
    test: inPackage("@pothos/plugin-scope-auth"),
  },
  {
    name: "Pothos core",
    what: "Pothos' resolver and `isTypeOf` wrappers built into the schema",
    test: inPackage("@pothos/core"),
  },
  {
    name: "parse and validate (graphql-js, graphql-armor)",
    what: "parsing and validating each document (Yoga caches both per document text)",
    test: (f) => /node_modules\/(graphql\/(language|validation)|@escape\.tech)\//.test(f.url),
  },
  {
    name: "GraphQL execution (@graphql-tools/executor, graphql-js)",
    what: "walking the query over the result: resolvers called, 25 students × 3 fields completed, leaf values serialised",
    test: (f) => /node_modules\/(graphql|@graphql-tools|graphql-jit)\//.test(f.url),
  },
  {
    name: "fetch API over node:http (@whatwg-node)",
    what: "turning Node's request into a WHATWG `Request` and the `Response` back into Node writes, headers objects",
    test: inPackage("@whatwg-node/server", "@whatwg-node/node-fetch", "@whatwg-node/fetch"),
  },
  {
    name: "Yoga pipeline (graphql-yoga, envelop, promise helpers)",
    what: "Yoga's request handling: plugin hooks (envelop), parameter parsing, result processing, `fakePromise` chains",
    test: inPackage("graphql-yoga", "@graphql-yoga", "@envelop", "@whatwg-node/promise-helpers", "@whatwg-node/events"),
  },
  {
    name: "pg driver (pg, pg-protocol, pg-pool)",
    what: "the two batched statements' wire protocol: writing Bind/Execute, parsing DataRow messages, typed rows",
    test: inPackage("pg", "pg-protocol", "pg-pool", "pg-types", "postgres-array", "postgres-date", "pg-cloudflare"),
  },
  {
    name: "Prisma and PGlite",
    what: "Prisma's client and adapter, PGlite's WebAssembly postgres (off the signed-in path on PostgreSQL)",
    test: (f) =>
      /node_modules\/(@prisma|@electric-sql|pglite-prisma-adapter)\//.test(f.url) ||
      /generated\/prisma/.test(f.url) ||
      f.url.startsWith("wasm://"),
  },
  {
    name: "logging (pino)",
    what: "the request logger (silent in the bench)",
    test: inPackage("pino", "pino-std-serializers"),
  },
  {
    name: "node:http server and streams",
    what: "Node's HTTP server: header parsing callbacks, `ServerResponse`, the socket stream",
    test: node("_http", "http", "net", "stream", "streams", "buffer", "url", "dns"),
  },
  {
    name: "event-loop glue (node: timers, events, nextTick)",
    what: "Node's timers, `EventEmitter.emit`, `process.nextTick` and async-hook bookkeeping",
    test: (f) => f.url.startsWith("node:"),
  },
  {
    name: "app code (dist/)",
    what: "our own code: the context, the batched session and page reads, row mapping, the body cap, plugins",
    test: (f) => /\/dist\//.test(f.url) && !/node_modules/.test(f.url),
  },
  { name: "other native builtins", what: "V8 builtins called from JavaScript (Map, RegExp, string ops)", test: native },
  { name: "other packages", what: "everything else", test: () => true },
];

export function costOf(frame: CallFrame): Cost {
  return COSTS.find((c) => c.test(frame)) ?? (COSTS.at(-1) as Cost);
}
