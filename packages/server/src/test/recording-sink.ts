/**
 * `RecordingSink`: an `SSESink` that keeps what is written to it and whether it was ended, so
 * a test can read what a client would have received without opening a connection.
 * @module
 */
import type { SSESink } from '../sink.ts';

export class RecordingSink implements SSESink {
  /** Everything written, in order. */
  text = '';
  /** `end()` was called. */
  ended = false;
  /** The connection is closed (ended, or `close()`d like a client going away). */
  closed = false;
  #onClose: (() => void)[] = [];

  write(text: string): boolean {
    if (this.closed) return false;
    this.text += text;
    return true;
  }
  end(): void {
    this.ended = true;
    this.close();
  }
  /** Closes the connection as a client would, without `end()`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.#onClose) callback();
  }
  onClose(callback: () => void): void {
    this.#onClose.push(callback);
  }
}
