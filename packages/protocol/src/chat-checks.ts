/**
 * The chat events' data shapes as small hand-written checks, with no schema library: what
 * `chatEvents` validates with, so a browser bundle of `@tidewire/client` carries no zod. The
 * zod schemas of `events.ts` describe the same shapes for apps that want them; a test holds
 * the two in step, field by field.
 * @module
 */
import type { EventDataMap, EventName } from './events.ts';
import type { Vocabulary } from './vocabulary.ts';

/** One field's check: what it expects (for the message) and the test. */
export interface FieldCheck {
  readonly expects: string;
  readonly test: (value: unknown) => boolean;
}

const is = (type: string): FieldCheck => ({ expects: `a ${type}`, test: (value) => typeof value === type });
const string = is('string');
const boolean = is('boolean');
const number: FieldCheck = { expects: 'a number', test: Number.isFinite };
/** Any JSON value, but the field must be there. */
const present: FieldCheck = { expects: 'present', test: (value) => value !== undefined };
const optional = (check: FieldCheck): FieldCheck => ({
  expects: `${check.expects} when given`,
  test: (value) => value === undefined || check.test(value),
});
const nullable = (check: FieldCheck): FieldCheck => ({
  expects: `${check.expects} or null`,
  test: (value) => value === null || check.test(value),
});
const oneOf = (...values: string[]): FieldCheck => ({
  expects: `one of ${values.join(', ')}`,
  test: (value) => values.includes(value as string),
});

/** The fields of each chat event's data, by event name (other fields are allowed). */
export const chatShapes: { readonly [K in EventName]: Readonly<Record<keyof EventDataMap[K], FieldCheck>> } =
  {
    hello: { ts: number, model: string, conversation_id: nullable(string), stream_id: string },
    start: { status: oneOf('processing') },
    conversation: { id: string },
    delta: { text: string },
    metadata: { model_used: string, tokens_used: number, elapsed_seconds: number },
    progress: { id: string, pct: number, note: optional(string) },
    preview: { id: string, url: string, type: string, final: optional(boolean) },
    audio: { seq: number, format: string, url: string, type: optional(string), text: optional(string) },
    done: { reason: oneOf('stop', 'length', 'cancelled', 'error', 'tool_calls'), tokens: number },
    error: { message: string, type: string },
    ping: { ts: number },
    reasoning: { text: string, thought_ms: optional(number) },
    tool_input_delta: { id: string, name: string, text: string },
    tool_call: { id: string, name: string, input: present },
    tool_result: { id: string, name: string, output: present, is_error: boolean },
    source: { id: string, url: string, title: optional(string) },
    file: { id: string, media_type: string, url: string },
  };

export const EVENT_NAMES = Object.keys(chatShapes) as EventName[];

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(chatShapes, name);
}

/** What is wrong with `data` for `shape` (each failing field, `; `-separated), or undefined. */
export function shapeIssue(shape: Readonly<Record<string, FieldCheck>>, data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not an object';
  const issues: string[] = [];
  for (const [field, check] of Object.entries(shape)) {
    if (!check.test((data as Record<string, unknown>)[field]))
      issues.push(`${field} must be ${check.expects}`);
  }
  return issues.length ? issues.join('; ') : undefined;
}

/** The chat vocabulary of the gateway: every event's data checked against its shape. */
export const chatEvents: Vocabulary<EventDataMap> = {
  names: EVENT_NAMES,
  check: (event, data) => (isEventName(event) ? shapeIssue(chatShapes[event], data) : undefined),
};

/** Checks `data` against the shape of `event`; returns the issue text or undefined. */
export function validateEventData(event: EventName, data: unknown): string | undefined {
  return shapeIssue(chatShapes[event], data);
}
