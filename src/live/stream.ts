// One open subscription's event queue: bounded, and ended from outside with an error.
import type { GraphQLError } from "graphql";

/** The last item of a stream that was ended: the field resolver throws its error. */
export class Ended {
  constructor(readonly error: GraphQLError) {}
}

/**
 * An async iterator fed by `push`. A consumer that stops reading lets at most `maxBuffer`
 * events wait; past that the stream ends with `overflow()` instead of growing memory.
 * `end(error)` drops whatever still waits (nothing more reaches an ended session) and leaves
 * only the error, after which the iterator is done.
 */
export class LiveStream<T> implements AsyncIterableIterator<T | Ended> {
  private queue: (T | Ended)[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  constructor(
    private readonly maxBuffer: number,
    private readonly overflow: () => GraphQLError,
    /** Called once, when the stream ends for any reason. */
    private readonly onEnd: () => void,
  ) {}

  /** True once ended (by the server, the consumer or an overflow). */
  get ended(): boolean {
    return this.finished;
  }

  push(value: T): void {
    if (this.finished) return;
    if (this.queue.length >= this.maxBuffer) {
      this.end(this.overflow());
      return;
    }
    this.queue.push(value);
    this.notify();
  }

  /** Ends the stream; with an error, the consumer reads that error next and then nothing. */
  end(error?: GraphQLError): void {
    if (this.finished) return;
    this.finished = true;
    this.queue = error ? [new Ended(error)] : [];
    this.notify();
    this.onEnd();
  }

  async next(): Promise<IteratorResult<T | Ended>> {
    for (;;) {
      const item = this.queue.shift();
      if (item !== undefined) return { value: item, done: false };
      if (this.finished) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<T | Ended>> {
    this.end();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
