/**
 * Secrets never reach a log line: a field named like one (`authorization`, `cookie`,
 * `password`, `token`, `apiKey`), at the top of a line's fields or one level down, is written
 * as `[redacted]`. A line without such a field is passed on as it is — no copy, no path
 * parsing per line (pino's own `redact` option cloned and parsed its paths on every line,
 * about 5% of the bytes the gateway allocated per answer); a line with one is copied, so the
 * caller's object is never changed.
 * @module
 */

export const REDACTED = '[redacted]';

const SECRET_FIELDS = new Set(['authorization', 'cookie', 'password', 'token', 'apiKey']);

/** `fields` with its secrets (and those of its objects) replaced by `[redacted]`. */
export function redactSecrets<T extends object>(fields: T): T {
  let copy: Record<string, unknown> | undefined;
  const record = fields as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    if (SECRET_FIELDS.has(key)) {
      copy ??= { ...record };
      copy[key] = REDACTED;
    } else if (typeof value === 'object' && value !== null && holdsSecret(value)) {
      copy ??= { ...record };
      copy[key] = censored(value);
    }
  }
  return (copy ?? fields) as T;
}

function holdsSecret(value: object): boolean {
  for (const key in value) if (SECRET_FIELDS.has(key)) return true;
  return false;
}

/** A copy of `value` (an object or an array) with its secret fields replaced. */
function censored(value: object): object {
  const copy = (Array.isArray(value) ? Object.assign([], value) : { ...value }) as Record<string, unknown>;
  for (const key in copy) if (SECRET_FIELDS.has(key)) copy[key] = REDACTED;
  return copy;
}
