/**
 * Log lines held in an array and handed to the destination joined, a batch at a time. pino's
 * own buffering (sonic-boom's `minLength`) appends each line to a string and measures that
 * string's UTF-8 length on every line, which flattens the whole buffer again each time: about
 * 10 KB copied per streamed answer for its three lines. Joined once, a batch is copied once.
 * @module
 */

/** Where a batch goes: pino's destination (sonic-boom), or anything with `write`. */
export interface LineSink {
  write(text: string): unknown;
  flush?(done: (error?: Error | null) => void): void;
}

export class LineBatch {
  readonly #to: LineSink;
  readonly #bytes: number;
  #lines: string[] = [];
  #held = 0;

  /** Hands lines to `to` once about `bytes` of them are held (UTF-16 units: a bound, not a count). */
  constructor(to: LineSink, bytes: number) {
    this.#to = to;
    this.#bytes = bytes;
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#held += line.length;
    if (this.#held >= this.#bytes) this.flush();
  }

  /**
   * Hands every held line to the destination now, in order, as one string; `done` (pino's
   * `logger.flush(cb)`) is called once the destination has written them.
   */
  flush(done?: (error?: Error | null) => void): void {
    if (this.#lines.length > 0) {
      const text = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('');
      this.#lines = [];
      this.#held = 0;
      this.#to.write(text);
    }
    if (!done) return;
    if (this.#to.flush) this.#to.flush(done);
    else done();
  }
}
