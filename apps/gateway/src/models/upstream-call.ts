/**
 * `UpstreamCall`: the signal one upstream request runs under, and what its failure means,
 * shared by every model client. The request is aborted by the caller's cancel or by the
 * `StallWatchdog` (the upstream went quiet mid-answer); a cancel ends the answer quietly, a
 * stall is `upstream_timeout`, anything else is mapped by `toUpstreamError`.
 * @module
 */
import { UpstreamError } from './provider.ts';
import { StallWatchdog } from './stall-watchdog.ts';
import { toUpstreamError } from './upstream-errors.ts';

export class UpstreamCall {
  readonly #caller: AbortSignal;
  readonly #abort = new AbortController();
  readonly #forward = () => this.#abort.abort(this.#caller.reason);
  readonly watchdog: StallWatchdog;

  constructor(caller: AbortSignal, idleTimeoutMs: number) {
    this.#caller = caller;
    caller.addEventListener('abort', this.#forward, { once: true });
    this.watchdog = new StallWatchdog(this.#abort, idleTimeoutMs);
  }

  /** The upstream request's signal. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The error to throw for what the call threw; undefined when the caller cancelled (end quietly). */
  failure(error: unknown): UpstreamError | undefined {
    if (this.#caller.aborted) return undefined;
    if (this.watchdog.fired)
      return new UpstreamError('upstream_timeout', (this.#abort.signal.reason as Error).message);
    return toUpstreamError(error);
  }

  /** The call is over: no more watching, no more listening to the caller. */
  end(): void {
    this.watchdog.stop();
    this.#caller.removeEventListener('abort', this.#forward);
  }
}
