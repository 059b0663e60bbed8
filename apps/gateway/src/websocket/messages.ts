/**
 * The WebSocket route's messages (docs/WEBSOCKET.md). Client → server: `start`, `follow`,
 * `cancel`, `unfollow`, each checked here into a typed value or an `ApiError` with the same
 * error types the HTTP routes use; server → client: the builders below. Bad input never
 * closes the socket: it is answered with an `error` message.
 * @module
 */
import { type ErrorType, isStreamId, parseSeq, TidewireError } from '@tidewire/protocol';
import { StoreUnavailableError } from '@tidewire/server';
import { badRequest } from '../errors.ts';
import { type ChatInput, parseChatInput } from '../routes/chat-input.ts';

/** Longest `ref` a client may give a start (it is echoed back). */
const MAX_REF_LENGTH = 128;

export type ClientMessage =
  | { type: 'start'; ref: string | undefined; input: ChatInput }
  | { type: 'follow'; streamId: string; after: number }
  | { type: 'cancel'; streamId: string }
  | { type: 'unfollow'; streamId: string };

/** The fields an error reply can name, read from a message even when it is invalid. */
export interface ReplyTo {
  ref?: string;
  streamId?: string;
}

/** Reads one text message; throws `ApiError` (bad input) with `replyTo` set as far as known. */
export function parseClientMessage(text: string, maxQuestionLength: number): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'the message is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest('bad_request', 'a message must be a JSON object such as {"type":"start","q":"Hello"}');
  const { type, ref, stream_id: streamId, after, ...rest } = raw as Record<string, unknown>;
  switch (type) {
    case 'start':
      if (ref !== undefined && (typeof ref !== 'string' || ref.length > MAX_REF_LENGTH))
        throw badRequest(
          'bad_request',
          `invalid message: ref must be a string of at most ${MAX_REF_LENGTH} characters`,
        );
      return { type, ref, input: parseChatInput({ ...rest, stream_id: streamId }, maxQuestionLength) };
    case 'follow':
      return { type, streamId: streamIdOf(streamId), after: afterOf(after) };
    case 'cancel':
    case 'unfollow':
      return { type, streamId: streamIdOf(streamId) };
    case undefined:
      throw badRequest('bad_request', 'invalid message: type is missing (start, follow, cancel, unfollow)');
    default:
      throw badRequest(
        'bad_request',
        `invalid message: unknown type ${JSON.stringify(type).slice(0, 60)} (start, follow, cancel, unfollow)`,
      );
  }
}

/** What an error reply can echo of a message: its `ref` and `stream_id`, when they are strings. */
export function replyToOf(text: string): ReplyTo {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const ref = typeof raw?.ref === 'string' && raw.ref.length <= MAX_REF_LENGTH ? raw.ref : undefined;
    const streamId =
      typeof raw?.stream_id === 'string' && isStreamId(raw.stream_id) ? raw.stream_id : undefined;
    return { ref, streamId };
  } catch {
    return {};
  }
}

function streamIdOf(value: unknown): string {
  if (value === undefined) throw badRequest('bad_request', 'invalid message: stream_id is missing');
  if (typeof value !== 'string' || !isStreamId(value)) throw badRequest('bad_request', 'malformed stream id');
  return value;
}

function afterOf(value: unknown): number {
  if (value === undefined) return 0;
  const seq = typeof value === 'number' ? parseSeq(String(value)) : undefined;
  if (seq === undefined)
    throw badRequest(
      'invalid_after',
      `after must be a non-negative integer, got ${JSON.stringify(value).slice(0, 50)}`,
    );
  return seq;
}

/** `{"type":"started","ref","stream_id"}`: a start was accepted; its events follow. */
export const startedMessage = (ref: string | undefined, streamId: string) =>
  JSON.stringify({ type: 'started', ref, stream_id: streamId });

/** `{"type":"ended","stream_id"}`: the server stopped sending this stream (after `done`, or cut: follow again). */
export const endedMessage = (streamId: string) => JSON.stringify({ type: 'ended', stream_id: streamId });

/** `{"type":"cancelled","stream_id","cancelled"}`: the answer to `cancel`, as the HTTP route's. */
export const cancelledMessage = (streamId: string, cancelled: boolean) =>
  JSON.stringify({ type: 'cancelled', stream_id: streamId, cancelled });

/** `{"type":"error","ref"?,"stream_id"?,"error":{"type","message"}}`. */
export function errorMessage(replyTo: ReplyTo, type: ErrorType | string, message: string): string {
  return JSON.stringify({
    type: 'error',
    ref: replyTo.ref,
    stream_id: replyTo.streamId,
    error: { type, message },
  });
}

/** The error reply for what a handler threw: typed errors as they are, anything else `internal_error`. */
export function errorOf(error: unknown): { type: string; message: string; known: boolean } {
  if (TidewireError.isInstance(error) && error.status !== undefined)
    return { type: error.type, message: error.message, known: true };
  if (error instanceof StoreUnavailableError)
    return {
      type: 'service_unavailable',
      message: 'the stream store is unavailable; retry shortly',
      known: true,
    };
  return { type: 'internal_error', message: 'internal error', known: false };
}
