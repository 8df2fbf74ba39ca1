// Loads asked for during one turn of the event loop, run as one statement.
//
// Under load, the requests whose bytes arrived together are parsed in one poll of the
// sockets and reach their session check (then their page) together. One statement for all
// of them costs one write and one reply instead of one each: on this machine a round trip's
// system calls cost more CPU than the query itself (BENCHMARKS.md). Every request still
// reads the database after it arrived, so nothing is served from an older answer.

/** Most inputs in one statement; more start another. */
const MAX_BATCH = 64;

/**
 * Wraps `run`, which answers a list of inputs in order, into a function of one input.
 * Calls made before the event loop next checks for I/O share one `run`.
 */
export function perTurn<In, Out>(run: (inputs: In[]) => Promise<Out[]>): (input: In) => Promise<Out> {
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
