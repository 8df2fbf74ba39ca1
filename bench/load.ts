// The load generator: one autocannon run in its own process, so that the client's work never
// shares a core's event loop with the server. Reads a LoadSpec (JSON) from argv, prints a LoadResult.
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
  headers: Record<string, string>;
  /** Request bodies, sent in turn by each connection. */
  bodies: string[];
  /** Every response body must contain each of these, and none of `absent`. */
  contains: string[];
  absent: string[];
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Responses outside 2xx. */
  non2xx: number;
  /** 2xx responses whose body was not the expected one. */
  mismatches: number;
  /** One offending body, to say why a run failed. */
  sample?: string;
}

function run(spec: LoadSpec): Promise<LoadResult> {
  let sample: string | undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: "POST",
        connections: spec.connections,
        duration: spec.duration,
        ...(spec.rate ? { overallRate: spec.rate } : {}),
        headers: spec.headers,
        requests: spec.bodies.map((body) => ({ method: "POST", body })),
        verifyBody: (raw) => {
          const body = String(raw);
          const ok = spec.contains.every((s) => body.includes(s)) && !spec.absent.some((s) => body.includes(s));
          if (!ok) sample ??= body.slice(0, 300);
          return ok;
        },
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          requests: result.requests.total,
          rps: Math.round(result.requests.total / result.duration),
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          errors: result.errors,
          non2xx: result.non2xx,
          mismatches: result.mismatches,
          ...(sample ? { sample } : {}),
        });
      },
    );
    instance.on("error", () => {});
  });
}

// Started once per bench with an IPC channel: each message is a LoadSpec with an id; the
// answer carries the same id. Several specs may run at once (students beside logins).
process.on("message", (message: { id: number; spec: LoadSpec }) => {
  run(message.spec).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
