/**
 * A request's (and its stream's) logger without a pino child per request: the child is made
 * on the first line at a level the root writes, never at `silent`; and a child of it is one
 * level below the root with all the bindings, not a child of a child (pino builds a new
 * prototype per level of nesting, per request).
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
  #made: Log | undefined;

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
    return new LazyChild(this.#root, { ...this.#bindings, ...more });
  }

  #line(level: Level, fields: object, message: string | undefined): void {
    if (this.#root.isLevelEnabled?.(level) === false) return;
    this.#made ??= this.#root.child(this.#bindings);
    this.#made[level](fields, message);
  }
}
