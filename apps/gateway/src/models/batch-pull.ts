/**
 * Pulling a model's batches by callback: the receiver gets the next batch (or the end, or a
 * failure) in one call, now or later. A model that waits (paced, or an upstream that is
 * quiet) then holds its receiver and nothing more, where an async iterator awaited holds a
 * promise, its resolve function, a reaction per layer and a suspended async function per open
 * stream. The built-in models and the tool loop pull this way; a model written as an async
 * iterable is pulled through its iterator.
 * @module
 */
import type { ModelBatch } from './provider.ts';

/** Gets what one `pull` asked for: exactly one of these calls. */
export interface BatchReceiver {
  batch(batch: ModelBatch): void;
  end(): void;
  fail(error: unknown): void;
  /**
   * True when the receiver stops its source (`stop`) as soon as the request's signal aborts:
   * a source that listens to the signal only to end a wait at once need not (an abort listener
   * is two objects per open stream in Node).
   */
  readonly stopsOnAbort?: boolean;
}

/** A source of batches pulled one at a time. */
export interface BatchPull {
  /** Asks for the next batch; `receiver` is called once, maybe before `pull` returns. */
  pull(receiver: BatchReceiver): void;
  /** Stops early (the answer is not read to its end); a pending pull gets `end()`. */
  stop(): Promise<void> | undefined;
}

const DONE: IteratorResult<ModelBatch> = Object.freeze({ done: true, value: undefined });

function isPull(batches: object): batches is BatchPull {
  return typeof (batches as Partial<BatchPull>).pull === 'function';
}

/** `batches` pulled: itself when it pulls, else through its async iterator. */
export function pullOf(batches: AsyncIterable<ModelBatch>): BatchPull {
  return isPull(batches) ? batches : new IteratorPull(batches[Symbol.asyncIterator]());
}

/** An async iterator's `next()` as a pull. */
class IteratorPull implements BatchPull {
  readonly #iterator: AsyncIterator<ModelBatch>;

  constructor(iterator: AsyncIterator<ModelBatch>) {
    this.#iterator = iterator;
  }

  pull(receiver: BatchReceiver): void {
    this.#iterator.next().then(
      (result) => (result.done ? receiver.end() : receiver.batch(result.value)),
      (error: unknown) => receiver.fail(error),
    );
  }

  async stop(): Promise<void> {
    await this.#iterator.return?.();
  }
}

/** One `next()` of an async iterator, answered by a pull. */
class NextResult implements BatchReceiver {
  readonly #resolve: (result: IteratorResult<ModelBatch>) => void;
  readonly #reject: (error: unknown) => void;

  constructor(resolve: (result: IteratorResult<ModelBatch>) => void, reject: (error: unknown) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  batch(batch: ModelBatch): void {
    this.#resolve({ done: false, value: batch });
  }

  end(): void {
    this.#resolve(DONE);
  }

  fail(error: unknown): void {
    this.#reject(error);
  }
}

/** `source`'s next batch as an async iterator's `next()` (a pulled source iterated with `for await`). */
export function nextOf(source: BatchPull): Promise<IteratorResult<ModelBatch>> {
  return new Promise((resolve, reject) => source.pull(new NextResult(resolve, reject)));
}

/** Stops `source` as an async iterator's `return()`. */
export async function returnOf(source: BatchPull): Promise<IteratorResult<ModelBatch>> {
  await source.stop();
  return DONE;
}
