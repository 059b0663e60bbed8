/**
 * Structured JSON logs (pino) on stderr, so stdout carries only the `listening on` line.
 * Secrets are redacted wherever they might appear.
 * @module
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
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
    pino.destination({ fd: 2, sync: false }),
  );
}
