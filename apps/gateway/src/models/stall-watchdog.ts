/**
 * `StallWatchdog`: aborts an upstream call that goes quiet mid-answer — no next token within
 * `idleMs` of the one before. Without it a stalled connection would hold the stream open
 * until the HTTP client's own body timeout (five minutes in Node's fetch). The first token is
 * the generation's first-token timeout's job, so the watchdog arms at the first token. One
 * timer per call, re-armed lazily, so each token only stamps the time.
 * @module
 */

/** The abort reason when the upstream went quiet. */
export class UpstreamStall extends Error {}

export class StallWatchdog {
  readonly #controller: AbortController;
  readonly #idleMs: number;
  /** `performance.now()` of the last token; 0 before the first. */
  #lastToken = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(controller: AbortController, idleMs: number) {
    this.#controller = controller;
    this.#idleMs = idleMs;
  }

  /** A token arrived. */
  token(): void {
    if (this.#lastToken === 0) this.#arm(this.#idleMs);
    this.#lastToken = performance.now();
  }

  /** Whether the call was aborted because the upstream went quiet. */
  get fired(): boolean {
    return this.#controller.signal.reason instanceof UpstreamStall;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    if (this.#controller.signal.aborted) return;
    const quietMs = performance.now() - this.#lastToken;
    if (quietMs < this.#idleMs) this.#arm(Math.max(1, this.#idleMs - quietMs));
    else
      this.#controller.abort(new UpstreamStall(`the model sent nothing for ${this.#idleMs} ms mid-answer`));
  }
}
