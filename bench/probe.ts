// Bench-only preload (`node --import ./bench/probe.ts`): event-loop delay and memory over IPC.
// Never imported by the application; the bench passes it to the processes it measures.
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * What the bench asks for: `reset` starts a new window; `read` answers with the window's
 * figures; `settle` first runs a full garbage collection (when the process was started with
 * --expose-gc), so that memory retained across runs can be told from garbage not yet collected.
 */
export interface ProbeReading {
  type: "probe";
  rssMb: number;
  heapUsedMb: number;
  /** Event-loop delay over the window, milliseconds. */
  eld: { p50: number; p99: number; max: number; mean: number };
}

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  process.on("message", (message: unknown) => {
    if (message === "reset") {
      histogram.reset();
      process.send?.({ type: "reset" });
    } else if (message === "read" || message === "settle") {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message === "settle" && gc) gc();
      const memory = process.memoryUsage();
      const reading: ProbeReading = {
        type: "probe",
        rssMb: Math.round(memory.rss / 2 ** 20),
        heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
        eld: {
          p50: ms(histogram.percentile(50)),
          p99: ms(histogram.percentile(99)),
          max: ms(histogram.max),
          mean: ms(histogram.mean),
        },
      };
      process.send?.(reading);
    }
  });
  // The channel must not keep a server alive after it was told to stop.
  process.channel?.unref();
}
