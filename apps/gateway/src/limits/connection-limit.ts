/**
 * Open SSE connections per IP (`MAX_CONNECTIONS_PER_IP`): one client cannot hold more, so
 * it cannot exhaust sockets or memory for everyone else. Refusals are 429.
 * @module
 */
import { ApiError } from '../errors.ts';

export class ConnectionLimit {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts a connection from `ip` or throws 429; returns the function to call when it closes. */
  enter(ip: string): () => void {
    const open = this.#open.get(ip) ?? 0;
    if (this.#max > 0 && open >= this.#max) {
      throw new ApiError(429, 'too_many_connections', `at most ${this.#max} open streams per client`, {
        'Retry-After': '5',
      });
    }
    this.#open.set(ip, open + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.#open.get(ip) ?? 1) - 1;
      if (remaining <= 0) this.#open.delete(ip);
      else this.#open.set(ip, remaining);
    };
  }
}
