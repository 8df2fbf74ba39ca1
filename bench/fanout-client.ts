// The fan-out load, in its own process (bench/run.ts talks to it over IPC): signs in sessions,
// holds subscribers over SSE and WebSocket, sends awards at a fixed rate and times each
// event's arrival at each subscriber. One clock (this process's) for sending and receiving.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

export interface FanoutOpen {
  type: "open";
  url: string;
  /** Login request bodies for the subscribers' sessions, used in turn. */
  logins: string[];
  professorLogin: string;
  sessions: number;
  sse: number;
  ws: number;
  subscription: string;
}

export interface FanoutAwards {
  type: "awards";
  /** Awards per second. */
  rate: number;
  /** Seconds. */
  duration: number;
  /** Names the phase; every award's reason is `fanout:<label>:<n>`. */
  label: string;
}

export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

export interface FanoutStats {
  label: string;
  awards: number;
  subscribers: number;
  /** awards × subscribers that arrived exactly once. */
  delivered: number;
  missing: number;
  duplicates: number;
  /** Award requests that failed, and subscribers that ended or erred during the phase. */
  failedAwards: number;
  endedSubscribers: number;
  /** Milliseconds from the award's HTTP response (its last byte) to the last subscriber's receipt. */
  toLast: Quantiles;
  /** Milliseconds from the award's HTTP response to each subscriber's receipt. */
  perSubscriber: Quantiles;
  perSubscriberSse: Quantiles;
  perSubscriberWs: Quantiles;
  /** Milliseconds from sending the award request to the last subscriber's receipt. */
  requestToLast: Quantiles;
  /** The award mutation's own response time. */
  awardResponse: Quantiles;
  /** This process's CPU over the phase, percent of one core. */
  clientCpuPct: number;
}

export type FanoutMessage = FanoutOpen | FanoutAwards | { type: "close" };

interface Subscriber {
  kind: "sse" | "ws";
  /** Set once the stream ended or erred. */
  ended: boolean;
  close(): void;
}

const subscribers: Subscriber[] = [];
/** The phase being timed: award reason → index, and arrivals[award][subscriber]. */
let phase: { label: string; arrivals: Float64Array[]; duplicates: number } | null = null;
/** Probe awards seen by each subscriber (readiness). */
let probeSeen = new Uint8Array(0);
let probeNow = "";
let unexpected = "";
let target: URL;
let professorCookie = "";

const professorAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });

interface Answer {
  status: number;
  body: string;
  cookies: string[];
}

function post(body: string, cookie?: string, agent: http.Agent | false = professorAgent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, cookies: res.headers["set-cookie"] ?? [] }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function login(body: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const answer = await post(body, undefined, false);
    const cookie = answer.cookies.find((c) => /^(__Host-)?session=/.test(c));
    if (answer.status === 200 && cookie && !answer.body.includes('"errors"')) return cookie.split(";")[0];
    // The hash queue refuses what waits too long (RATE_LIMITED): try again a little later.
    if (attempt > 20 || !answer.body.includes("RATE_LIMITED")) {
      throw new Error(`fan-out login failed: ${answer.status} ${answer.body.slice(0, 200)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Records one event's arrival at subscriber `index`. */
function arrived(index: number, payload: unknown, at: number): void {
  const event = (payload as { data?: { pointsAwarded?: { reason?: string } } })?.data?.pointsAwarded;
  const reason = event?.reason;
  if (typeof reason !== "string") {
    unexpected ||= JSON.stringify(payload).slice(0, 300);
    subscribers[index].ended = true;
    return;
  }
  const [, label, n] = reason.split(":");
  if (label === "probe") {
    if (reason === probeNow) probeSeen[index] = 1;
    return;
  }
  if (!phase || label !== phase.label) return;
  const row = phase.arrivals[Number(n)];
  if (!row) return;
  if (!Number.isNaN(row[index])) phase.duplicates++;
  else row[index] = at;
}

/** GraphQL over SSE, distinct connections: one POST with Accept: text/event-stream per subscriber. */
function openSse(index: number, cookie: string, query: string): Promise<Subscriber> {
  // A hand-written reader: the client side of SSE is a few lines over node:http, and the bench's
  // own client must stay cheap (graphql-sse's client would add fetch and its own parsing).
  return new Promise((resolve, reject) => {
    const sub: Subscriber = { kind: "sse", ended: false, close: () => req.destroy() };
    const req = http.request(
      target,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", accept: "text/event-stream", cookie },
      },
      (res) => {
        if (res.statusCode !== 200 || !String(res.headers["content-type"]).startsWith("text/event-stream")) {
          reject(new Error(`SSE subscribe answered ${res.statusCode} ${res.headers["content-type"]}`));
          res.resume();
          return;
        }
        resolve(sub);
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = message.split("\n").find((line) => line.startsWith("data: "));
            if (message.startsWith("event: complete")) sub.ended = true;
            else if (data) arrived(index, JSON.parse(data.slice(6)), at);
          }
        });
        res.on("close", () => {
          sub.ended = true;
        });
      },
    );
    req.on("error", (error) => {
      sub.ended = true;
      reject(error);
    });
    req.end(JSON.stringify({ query }));
  });
}

/** graphql-ws over its own WebSocket, the session cookie on the upgrade. */
function openWs(index: number, cookie: string, query: string): Subscriber {
  const url = new URL(target);
  url.protocol = "ws:";
  const client = createClient({
    url: url.toString(),
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { cookie } });
      }
    },
    retryAttempts: 0,
    lazy: true,
  });
  const sub: Subscriber = { kind: "ws", ended: false, close: () => void client.dispose() };
  client.subscribe(
    { query },
    {
      next: (value) => arrived(index, value, performance.now()),
      error: (error) => {
        unexpected ||= `websocket error: ${error instanceof Error ? error.message : JSON.stringify(error)}`;
        sub.ended = true;
      },
      complete: () => {
        sub.ended = true;
      },
    },
  );
  return sub;
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

const AWARD = (reason: string) =>
  JSON.stringify({
    query: "mutation Award($r: String!) { awardPoints(house: GRYFFINDOR, points: 1, reason: $r) { house points } }",
    variables: { r: reason },
  });

async function award(reason: string): Promise<boolean> {
  const answer = await post(AWARD(reason), professorCookie).catch(() => null);
  return answer?.status === 200 && answer.body.includes('"awardPoints":{"house":"GRYFFINDOR"');
}

async function open(m: FanoutOpen): Promise<{ subscribers: number; openMs: number }> {
  const t0 = performance.now();
  target = new URL(m.url);
  professorCookie = await login(m.professorLogin);
  // Four at a time: the server hashes four passwords at once (HASH_CONCURRENCY).
  const cookies = await pool(m.sessions, 4, (i) => login(m.logins[i % m.logins.length]));
  const total = m.sse + m.ws;
  await pool(total, 50, async (i) => {
    // Session i % sessions: each session holds total / sessions subscriptions (at most 5).
    const cookie = cookies[i % cookies.length];
    subscribers[i] = i < m.sse ? await openSse(i, cookie, m.subscription) : openWs(i, cookie, m.subscription);
  });
  // Ready when every subscriber has received one probe award (a WebSocket subscribe has no acknowledgement).
  for (let probe = 0; ; probe++) {
    if (probe >= 30) throw new Error(`not every subscriber received a probe award: ${unexpected}`);
    probeSeen = new Uint8Array(total);
    probeNow = `fanout:probe:${probe}`;
    if (!(await award(probeNow))) throw new Error("the probe award failed");
    const deadline = performance.now() + 2000;
    while (probeSeen.includes(0) && performance.now() < deadline) {
      const ended = subscribers.filter((s) => s.ended).length;
      if (ended) throw new Error(`${ended} subscribers ended while opening: ${unexpected}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!probeSeen.includes(0)) break;
  }
  return { subscribers: total, openMs: Math.round(performance.now() - t0) };
}

function quantiles(values: number[]): Quantiles {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] * 10) / 10;
  return { p50: at(0.5), p99: at(0.99), max: Math.round(s[s.length - 1] * 10) / 10 };
}

async function awards(m: FanoutAwards): Promise<FanoutStats> {
  const count = Math.round(m.rate * m.duration);
  const n = subscribers.length;
  phase = {
    label: m.label,
    arrivals: Array.from({ length: count }, () => new Float64Array(n).fill(Number.NaN)),
    duplicates: 0,
  };
  const endedBefore = subscribers.filter((s) => s.ended).length;
  const sent = new Float64Array(count);
  const answered = new Float64Array(count).fill(Number.NaN);
  let failedAwards = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    // Absolute schedule: a late tick does not push back the ones after it.
    const wait = t0 + (i * 1000) / m.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent[i] = performance.now();
    inFlight.push(
      award(`fanout:${m.label}:${i}`).then((ok) => {
        if (ok) answered[i] = performance.now();
        else failedAwards++;
      }),
    );
  }
  await Promise.all(inFlight);
  // Every event of every answered award, or 5 s of silence after the last answer.
  const rows = phase.arrivals;
  const complete = () => rows.every((row, i) => Number.isNaN(answered[i]) || !row.includes(Number.NaN));
  const deadline = performance.now() + 5000;
  while (!complete() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // A late duplicate would show in the next 200 ms.
  await new Promise((r) => setTimeout(r, 200));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const toLast: number[] = [];
  const requestToLast: number[] = [];
  const perSubscriber: number[] = [];
  const bySse: number[] = [];
  const byWs: number[] = [];
  let delivered = 0;
  for (let i = 0; i < count; i++) {
    if (Number.isNaN(answered[i])) continue;
    let last = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < n; s++) {
      const at = rows[i][s];
      if (Number.isNaN(at)) continue;
      delivered++;
      last = Math.max(last, at);
      perSubscriber.push(at - answered[i]);
      (subscribers[s].kind === "sse" ? bySse : byWs).push(at - answered[i]);
    }
    if (last > Number.NEGATIVE_INFINITY) {
      toLast.push(last - answered[i]);
      requestToLast.push(last - sent[i]);
    }
  }
  const answeredCount = answered.filter((x) => !Number.isNaN(x)).length;
  const stats: FanoutStats = {
    label: m.label,
    awards: count,
    subscribers: n,
    delivered,
    missing: answeredCount * n - delivered,
    duplicates: phase.duplicates,
    failedAwards,
    endedSubscribers: subscribers.filter((s) => s.ended).length - endedBefore,
    toLast: quantiles(toLast),
    perSubscriber: quantiles(perSubscriber),
    perSubscriberSse: quantiles(bySse),
    perSubscriberWs: quantiles(byWs),
    requestToLast: quantiles(requestToLast),
    awardResponse: quantiles(Array.from(sent, (s, i) => answered[i] - s).filter((x) => !Number.isNaN(x))),
    clientCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
  };
  phase = null;
  return stats;
}

function close(): { closed: number } {
  for (const s of subscribers) s.close();
  const closed = subscribers.length;
  subscribers.length = 0;
  professorAgent.destroy();
  return { closed };
}

process.on("message", (message: { id: number; body: FanoutMessage }) => {
  const { id, body } = message;
  const work = body.type === "open" ? open(body) : body.type === "awards" ? awards(body) : Promise.resolve(close());
  work.then(
    (result) => process.send?.({ id, result }),
    (error: unknown) => process.send?.({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
