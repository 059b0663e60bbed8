/**
 * Works out where a request resumes: `Last-Event-ID` header, `last_event_id` query, or a
 * stream path with `after=`. Malformed values are refused with 400; a stream that is unknown
 * or expired (or belongs to another user) with 404.
 * @module
 */
import { type EventId, isStreamId, parseEventId, parseSeq } from '@tidewire/protocol';
import type { Context } from 'hono';
import { badRequest } from '../errors.ts';

/** The resume point named by `Last-Event-ID` or `last_event_id`, if any. */
export function lastEventIdOf(c: Context): EventId | undefined {
  const header = c.req.header('last-event-id');
  const query = c.req.query('last_event_id');
  const raw = header !== undefined && header !== '' ? header : query;
  if (raw === undefined || raw === '') return undefined;
  const parsed = parseEventId(raw.trim());
  if (!parsed) {
    throw badRequest(
      'invalid_last_event_id',
      `malformed Last-Event-ID "${raw.slice(0, 100)}": expected STREAM_ID:SEQ`,
    );
  }
  return parsed;
}

/** The resume point of `GET /api/v1/streams/:id?after=SEQ`. */
export function streamPathPoint(c: Context, streamId: string): EventId {
  if (!isStreamId(streamId)) throw badRequest('bad_request', 'malformed stream id');
  const fromHeader = lastEventIdOf(c);
  if (fromHeader) {
    if (fromHeader.streamId !== streamId) {
      throw badRequest('invalid_last_event_id', 'Last-Event-ID names a different stream than the path');
    }
    return fromHeader;
  }
  const after = c.req.query('after');
  if (after === undefined || after === '') return { streamId, seq: 0 };
  const seq = parseSeq(after.trim());
  if (seq === undefined)
    throw badRequest('invalid_after', `after must be a non-negative integer, got "${after.slice(0, 50)}"`);
  return { streamId, seq };
}
