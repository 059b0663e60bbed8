/**
 * Where a request resumes: the `Last-Event-ID` header (what browsers' EventSource sends), the
 * `last_event_id` query (for clients that cannot send headers), or a stream named by the
 * route with `after=SEQ`. Malformed values are refused with a typed 400 error, never guessed.
 * @module
 */
import { isStreamId, parseEventId, parseSeq, TidewireError } from '@tidewire/protocol';

export interface ResumePoint {
  streamId: string;
  /** Events with a sequence number above this are sent (0: the whole stream). */
  afterSeq: number;
  /** Where the request named it (errors name that field); `last_event_id` when unsaid. */
  via?: 'last_event_id' | 'after';
}

const badRequest = (type: string, message: string) => new TidewireError(type, message, { status: 400 });

/**
 * The resume point a request names, or null when it names none (a start). `streamId` is the
 * stream the route names (`/streams/:id`), if any: then `after` applies, and a
 * `Last-Event-ID` of another stream is refused.
 */
export function resumePoint(request: Request, options: { streamId?: string } = {}): ResumePoint | null {
  return resumePointOf(new URL(request.url), request.headers.get('last-event-id'), options.streamId);
}

/** `resumePoint` from a request's parts (the Node adapters have no `Request`). */
export function resumePointOf(url: URL, header: string | null, streamId?: string): ResumePoint | null {
  const query = url.searchParams.get('last_event_id');
  const raw = header !== null && header !== '' ? header : query;
  const named = raw !== null && raw !== '' ? parseNamed(raw) : null;
  if (streamId === undefined) return named;
  if (!isStreamId(streamId)) throw badRequest('bad_request', 'malformed stream id');
  if (named) {
    if (named.streamId !== streamId) {
      throw badRequest('invalid_last_event_id', 'Last-Event-ID names a different stream than the path');
    }
    return named;
  }
  const after = url.searchParams.get('after');
  if (after === null || after === '') return { streamId, afterSeq: 0 };
  const seq = parseSeq(after.trim());
  if (seq === undefined) {
    throw badRequest('invalid_after', `after must be a non-negative integer, got "${after.slice(0, 50)}"`);
  }
  return { streamId, afterSeq: seq, via: 'after' };
}

function parseNamed(raw: string): ResumePoint {
  const parsed = parseEventId(raw.trim());
  if (!parsed) {
    throw badRequest(
      'invalid_last_event_id',
      `malformed Last-Event-ID "${raw.slice(0, 100)}": expected STREAM_ID:SEQ`,
    );
  }
  return { streamId: parsed.streamId, afterSeq: parsed.seq };
}
