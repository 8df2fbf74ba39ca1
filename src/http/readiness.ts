// `GET /ready`: 200 while the database answers, 503 otherwise (`/health` is Yoga's own liveness).
import { type Plugin, useReadinessCheck } from "graphql-yoga";

/** Yoga's readiness plugin over `ping`, which must answer within `timeoutMs`; the body says why. */
export function useReadiness(ping: () => Promise<void>, timeoutMs: number): Plugin {
  return useReadinessCheck({
    endpoint: "/ready",
    async check({ fetchAPI }) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      });
      const ready = await Promise.race([ping(), timeout]).then(
        () => true,
        () => false,
      );
      clearTimeout(timer);
      return fetchAPI.Response.json(
        { status: ready ? "ready" : "database unreachable" },
        { status: ready ? 200 : 503 },
      );
    },
  });
}
