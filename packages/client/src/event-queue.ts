/**
 * A small push-to-pull queue: the consumer pushes events, `for await` pulls them. Ended with
 * an error, the iteration rejects once the queued items are taken.
 * @module
 */

interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (error: Error) => void;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: Waiter<T>[] = [];
  #done = false;
  #error: Error | undefined;
  readonly #onReturn: (() => void) | undefined;

  /** `onReturn` runs when the reader stops early (`break` out of `for await`). */
  constructor(onReturn?: () => void) {
    this.#onReturn = onReturn;
  }

  push(item: T): void {
    if (this.#done) return;
    const next = this.#waiting.shift();
    if (next) next.resolve({ value: item, done: false });
    else this.#items.push(item);
  }

  /** Ends the queue; later calls do nothing. */
  end(error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    for (const waiter of this.#waiting.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** `break` out of a `for await` loop ends the iteration. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    this.#onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
