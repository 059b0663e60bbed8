/**
 * Event ids of the form `STREAM_ID:SEQ`: formatting and strict parsing (used for the
 * `Last-Event-ID` header and the `last_event_id` query).
 * @module
 */

export interface EventId {
  streamId: string;
  seq: number;
}

const STREAM_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SEQ = /^(0|[1-9][0-9]{0,15})$/;

export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}:${seq}`;
}

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Parses a sequence number (`after=`): a non-negative decimal integer, else undefined. */
export function parseSeq(value: string): number | undefined {
  return SEQ.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

/** Parses `STREAM_ID:SEQ`; returns undefined for anything malformed. */
export function parseEventId(value: string): EventId | undefined {
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const streamId = value.slice(0, colon);
  const seq = parseSeq(value.slice(colon + 1));
  if (!isStreamId(streamId) || seq === undefined) return undefined;
  return { streamId, seq };
}
