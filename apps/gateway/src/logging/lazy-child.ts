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
  let made: Log | undefined;
  const line = (level: Level) => (fields: object, message?: string) => {
    if (root.isLevelEnabled?.(level) === false) return;
    made ??= root.child(bindings);
    made[level](fields, message);
  };
  return {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => lazyChild(root, { ...bindings, ...more }),
  };
}
