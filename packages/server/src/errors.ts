/**
 * `StoreUnavailableError`: the stream store cannot be reached (Redis down). The gateway turns
 * it into `503 service_unavailable` before a stream opens, and ends open streams.
 * @module
 */

export class StoreUnavailableError extends Error {
  readonly type = 'service_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * `WriterFencedError`: the store refused an append or end because another writer owns the log
 * now (a takeover) or the sequence number is not the next one. The writer steps aside.
 */
export class WriterFencedError extends Error {
  readonly type = 'writer_fenced';
  constructor(message: string) {
    super(message);
    this.name = 'WriterFencedError';
  }
}
