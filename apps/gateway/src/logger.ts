/**
 * Structured JSON logs (pino) on stderr, so stdout carries only the `listening on` line.
 * Secrets are redacted wherever they might appear (`logging/redact.ts`, on every line's fields and every child's bindings). Lines are written in batches (up to
 * `BUFFER_BYTES`, and at least every `FLUSH_MS`; `logging/line-batch.ts`), not one system call
 * each: at three lines per stream, a write per line cost about 6% of the server's CPU at a
 * realistic pace. Whatever is buffered is written when the process exits.
 * @module
 */
import { pino } from 'pino';
import { LineBatch } from './logging/line-batch.ts';
import { redactSecrets } from './logging/redact.ts';

export type Logger = pino.Logger;

const BUFFER_BYTES = 4096;
const FLUSH_MS = 200;

/** The gateway's logger; `to` replaces stderr (tests read the lines). */
export function createLogger(level: string, to?: pino.DestinationStream): Logger {
  const logger = pino({ level, base: undefined, formatters: { log: redactSecrets } }, to ?? batchedStderr());
  // A child's bindings skip pino's formatters: they are redacted here, for children of children too
  // (each inherits this `child` from the root).
  const child = logger.child as unknown as (
    this: Logger,
    bindings: pino.Bindings,
    options?: object,
  ) => Logger;
  logger.child = function (this: Logger, bindings: pino.Bindings, options?: object) {
    return child.call(this, redactSecrets(bindings), options);
  } as unknown as Logger['child'];
  return logger;
}

function batchedStderr(): pino.DestinationStream {
  // The destination writes each batch it is given at once (asynchronously, in order).
  const destination = pino.destination({ fd: 2, sync: false, minLength: 0 });
  const batch = new LineBatch(destination, BUFFER_BYTES);
  setInterval(() => batch.flush(), FLUSH_MS).unref();
  process.once('exit', () => {
    batch.flush();
    destination.flushSync();
  });
  return batch;
}
