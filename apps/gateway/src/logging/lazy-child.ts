/**
 * A request's (and its stream's) logger without a pino child per request: each line is written
 * by the root with the bindings first in its fields, which is the line a pino child writes. No
 * child is made, not even for the first line: an open stream would hold it (a pino child with
 * its serialized bindings, about 0.5 KiB per idle stream) for hours to write two more lines.
 * A child of it carries all the bindings, not a chain of children. Nothing is built at a level
 * the root does not write.
 * @module
 */
import type { Log } from '../services.ts';

type Level = 'info' | 'warn' | 'error';

export function lazyChild(root: Log, bindings: object): Log {
  return new LazyChild(root, bindings);
}

/** A class with its methods on the prototype, not an object of closures: every open stream holds one. */
class LazyChild implements Log {
  readonly #root: Log;
  readonly #bindings: object;

  constructor(root: Log, bindings: object) {
    this.#root = root;
    this.#bindings = bindings;
  }

  info(fields: object, message?: string): void {
    this.#line('info', fields, message);
  }

  warn(fields: object, message?: string): void {
    this.#line('warn', fields, message);
  }

  error(fields: object, message?: string): void {
    this.#line('error', fields, message);
  }

  child(more: object): Log {
    // Copied into a fresh `{}` (room for four fields in the object itself): a spread of
    // `{req}` then `{stream}` made an object of one field that spilled the next into a
    // properties array of its own (40 B per open stream's logger).
    return new LazyChild(this.#root, Object.assign({}, this.#bindings, more));
  }

  #line(level: Level, fields: object, message: string | undefined): void {
    if (this.#root.isLevelEnabled?.(level) === false) return;
    // An error given as the fields is logged as pino logs one (spread, its message and stack,
    // which are not enumerable, would be lost).
    if (fields instanceof Error)
      this.#root[level]({ ...this.#bindings, err: fields }, message ?? fields.message);
    else this.#root[level]({ ...this.#bindings, ...fields }, message);
  }
}
