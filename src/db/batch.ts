// Loads asked for by concurrent requests during one event-loop turn, run as one statement.
//
// Requests whose bytes arrive together reach their session check (then their page) together;
// one statement for all of them costs one round trip instead of one each. Every request still
// reads after it arrived, so nothing is served from an older answer.

/** Most inputs in one statement; more start another. */
const MAX_BATCH = 64;

/**
 * Wraps `run`, which answers a list of inputs in order, into a function of one input. Calls
 * made by any request before the event loop next checks for I/O share one `run`; a failing
 * `run` rejects every call of its batch.
 */
export function batchAcrossRequests<In, Out>(run: (inputs: In[]) => Promise<Out[]>): (input: In) => Promise<Out> {
  let queue: { input: In; resolve(out: Out): void; reject(error: unknown): void }[] = [];
  const flush = () => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    run(batch.map((item) => item.input)).then(
      (outs) => {
        for (const [i, item] of batch.entries()) item.resolve(outs[i] as Out);
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  };
  return (input) =>
    new Promise<Out>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ input, resolve, reject });
      if (queue.length >= MAX_BATCH) flush(); // the pending setImmediate then finds an empty queue
    });
}
