/**
 * Statements of the hot path compiled once. Kysely builds and compiles a query on every call
 * (its builders, visitors and frozen nodes were about 5% of the gateway's CPU per answer under
 * load); a statement whose SQL never changes is compiled once, with a marker in place of each
 * value, and each call only puts its values where the markers were.
 * @module
 */
import type { Compilable, CompiledQuery } from 'kysely';

/** A statement compiled once: called with its values, it is ready for `executeQuery`. */
export type Precompiled<V extends unknown[]> = (...values: V) => CompiledQuery;

/**
 * Compiles `build(marker0, marker1, …)` once. Every parameter of the compiled SQL must be one
 * of the markers (a value fixed in the query would be sent as is each time, so it is refused).
 */
export function precompile<V extends unknown[]>(
  arity: V['length'],
  build: (...markers: V) => Compilable,
): Precompiled<V> {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000tidewire:value:${i}\u0000`);
  const compiled = build(...(markers as V)).compile();
  const order = compiled.parameters.map((parameter) => {
    const at = markers.indexOf(parameter as string);
    if (at < 0)
      throw new TypeError(`precompiled statement has a value not given by a marker: ${compiled.sql}`);
    return at;
  });
  return (...values) => ({
    sql: compiled.sql,
    query: compiled.query,
    queryId: compiled.queryId,
    parameters: order.map((at) => values[at]),
  });
}
