/**
 * Turns a parsed SSE event into the event handlers see: the design guide's aliases mapped
 * (`chunk` is `delta`, `complete` is `done`, unless the vocabulary names them), the data
 * parsed as JSON and checked (the reserved events for the fields the consumer relies on, then
 * by the vocabulary). An event the vocabulary does not declare is passed on unchecked (a
 * later addition to the contract, or an app's own), its data raw when it is not JSON.
 * @module
 */
import type { ParsedEvent } from '@tidewire/protocol';
import type { ReceivedEvent } from './handlers.ts';
import type { EventVocabulary } from './vocabulary.ts';

/** The guide's event names: the contract's event each one is, and the fields it must have. */
const ALIASES: Readonly<Record<string, { event: string; strings: string[] }>> = {
  chunk: { event: 'delta', strings: ['text'] },
  complete: { event: 'done', strings: ['reason'] },
};

/** The string fields of reserved events the consumer reads, whatever the vocabulary. */
const RESERVED: Readonly<Record<string, string[]>> = {
  hello: [],
  ping: [],
  done: ['reason'],
  error: ['type', 'message'],
};

export type Decoded = { ok: true; event: ReceivedEvent; declared: boolean } | { ok: false; message: string };

/**
 * `id` is the parsed event id, already checked by the consumer; `given` is the data when the
 * transport already parsed it (a WebSocket message), else `parsed.data` is parsed here.
 */
export function decodeEvent(
  parsed: ParsedEvent,
  id: { streamId: string; seq: number } | undefined,
  vocabulary: EventVocabulary,
  given?: { data: unknown },
): Decoded {
  const declaredName = (name: string) =>
    vocabulary.names.length === 0 || Object.hasOwn(RESERVED, name) || vocabulary.names.includes(name);
  const alias = vocabulary.names.includes(parsed.event) ? undefined : ALIASES[parsed.event];
  const name = alias?.event ?? parsed.event;
  const declared = declaredName(name);
  let data: unknown;
  if (given) data = given.data;
  else {
    try {
      data = JSON.parse(parsed.data);
    } catch {
      if (declared) return { ok: false, message: `event "${parsed.event}" has data that is not JSON` };
      data = parsed.data;
    }
  }
  // A guide server's `complete` may say no reason: it finished.
  if (name === 'done' && alias && isObject(data) && data.reason === undefined)
    data = { ...data, reason: 'stop' };
  // An alias is checked only for what the consumer reads: its data may lack contract fields.
  const strings = alias?.strings ?? (Object.hasOwn(RESERVED, name) ? RESERVED[name]! : []);
  const issue =
    stringsIssue(data, strings) ?? (alias || !declared ? undefined : vocabulary.check(name, data));
  if (issue) return { ok: false, message: `event "${parsed.event}" has invalid data: ${issue}` };
  return { ok: true, declared, event: { event: name, data, streamId: id?.streamId, seq: id?.seq } };
}

/** Whether `data` is an object with a string in each of `fields`. */
function stringsIssue(data: unknown, fields: string[]): string | undefined {
  if (fields.length === 0) return undefined;
  if (!isObject(data)) return 'not an object';
  const missing = fields.filter((field) => typeof data[field] !== 'string');
  return missing.length ? `${missing.join(' and ')} must be a string` : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
