/**
 * Event vocabularies: an app declares the events its streams carry (names and data types),
 * once, in a module both its server and its client import. With schemas (any Standard Schema
 * library: zod, valibot, arktype…) the engine validates data on emit; with a type argument
 * alone it only types them.
 * @module
 */

/** The part of the Standard Schema interface (standardschema.dev) a vocabulary uses. */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: Output; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<{ readonly message: string }> }
      | Promise<unknown>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** Event name → data type. */
export type EventMap = Record<string, unknown>;

/** A declared vocabulary. `E` exists for typing only. */
export interface Vocabulary<E extends EventMap = EventMap> {
  /** Returns the problem with `data` for `event`, or undefined when it fits (or is not checked). */
  check(event: string, data: unknown): string | undefined;
  /** Declared names (empty for a type-only vocabulary). */
  readonly names: readonly string[];
  /** Phantom field carrying the event types; never set. */
  readonly types?: E;
}

type OutputOf<S> = S extends {
  readonly '~standard': { readonly types?: { readonly output: infer O } | undefined };
}
  ? O
  : unknown;
export type EventsOf<S extends Record<string, StandardSchema>> = { [K in keyof S & string]: OutputOf<S[K]> };

/** Declares a vocabulary with schemas (validated on emit) or, with no argument, types only. */
export function defineEvents<E extends EventMap>(): Vocabulary<E>;
export function defineEvents<S extends Record<string, StandardSchema>>(schemas: S): Vocabulary<EventsOf<S>>;
export function defineEvents(schemas?: Record<string, StandardSchema>): Vocabulary {
  if (!schemas) return { names: [], check: () => undefined };
  return {
    names: Object.keys(schemas),
    check(event, data) {
      const schema = Object.hasOwn(schemas, event) ? schemas[event] : undefined;
      if (!schema) return undefined;
      const result = schema['~standard'].validate(data);
      if (result instanceof Promise) return `the schema of "${event}" is asynchronous; use a synchronous one`;
      const issues = (result as { issues?: ReadonlyArray<{ message: string }> }).issues;
      return issues ? issues.map((issue) => issue.message).join('; ') : undefined;
    },
  };
}
