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
