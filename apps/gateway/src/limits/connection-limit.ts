/**
 * Open SSE connections per IP (`MAX_CONNECTIONS_PER_IP`): one client cannot hold more, so
 * it cannot exhaust sockets or memory for everyone else. Refusals are 429.
 * @module
 */
import { ApiError } from '../errors.ts';
import { KeyedCounter } from './keyed-counter.ts';

export class ConnectionLimit {
  readonly #max: number;
  readonly #open = new KeyedCounter();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts a connection from `ip` or throws 429; returns the function to call when it closes. */
  enter(ip: string): () => void {
    if (this.#max > 0 && this.#open.count(ip) >= this.#max) {
      throw new ApiError(429, 'too_many_connections', `at most ${this.#max} open streams per client`, {
        'Retry-After': '5',
      });
    }
    return this.#open.take(ip);
  }
}
