/**
 * A small push-to-pull queue: the consumer pushes events, `for await` pulls them.
 * @module
 */

export class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: ((result: IteratorResult<T>) => void)[] = [];
  #done = false;
  #error: Error | undefined;

  push(item: T): void {
    const next = this.#waiting.shift();
    if (next) next({ value: item, done: false });
    else this.#items.push(item);
  }

  /** Ends the queue (with `error`, the iteration rejects once the items are taken); later calls do nothing. */
  end(error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    for (const next of this.#waiting.splice(0)) next({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
