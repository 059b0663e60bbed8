/**
 * Turns a parsed SSE event into a typed contract event: JSON data checked against the
 * event's schema, and the `STREAM_ID:SEQ` id split into its parts.
 * @module
 */

import { isEventName, validateEventData } from './chat-checks.ts';
import { parseEventId } from './event-id.ts';
import type { StreamEvent } from './events.ts';
import type { ParsedEvent } from './parser.ts';

export type DecodeResult = { ok: true; event: StreamEvent } | { ok: false; message: string };

export function decodeStreamEvent(parsed: ParsedEvent): DecodeResult {
  if (!isEventName(parsed.event)) return { ok: false, message: `unknown event "${parsed.event}"` };
  let data: unknown;
  try {
    data = JSON.parse(parsed.data);
  } catch {
    return { ok: false, message: `event "${parsed.event}" has data that is not JSON` };
  }
  const issue = validateEventData(parsed.event, data);
  if (issue) return { ok: false, message: `event "${parsed.event}" has invalid data: ${issue}` };
  const id = parsed.id === undefined ? undefined : parseEventId(parsed.id);
  if (parsed.id !== undefined && !id) return { ok: false, message: `malformed event id "${parsed.id}"` };
  return {
    ok: true,
    event: { event: parsed.event, data, streamId: id?.streamId, seq: id?.seq } as StreamEvent,
  };
}
