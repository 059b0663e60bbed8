/**
 * Calling an OpenAI-compatible media server (its POST is `postJson`, the chat client's): the
 * providers' shared base, and the events of a streamed (SSE) answer as parsed JSON.
 * @module
 */
import { createParser } from '@tidewire/protocol';
import type { UpstreamTarget } from '../models/post-json.ts';
import { UpstreamError } from '../models/provider.ts';
import { toUpstreamError } from '../models/upstream-errors.ts';

/** A provider backed by an upstream server: its options, and its model as its name. */
export abstract class UpstreamProvider<O extends UpstreamTarget & { model: string }> {
  protected readonly options: O;
  /** An upstream job cut mid-way cannot be resumed, nor redone with the same bytes. */
  readonly canContinue = false;

  constructor(options: O) {
    this.options = options;
  }

  get name(): string {
    return this.options.model;
  }
}

/** Whether a response is an SSE stream (servers that ignore `stream` answer with the whole body). */
export const isEventStream = (response: Response) =>
  (response.headers.get('content-type') ?? '').includes('text/event-stream');

/** Bound on one upstream event (a base64 image is a few MB): a server cannot make us buffer without limit. */
const MAX_EVENT_CHARS = 64 * 1024 * 1024;

/** The events of an SSE body: `type` (the event name, or the data's own `type`) and the JSON data. */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
): AsyncIterable<{ type: string; data: Record<string, unknown> }> {
  const queue: { type: string; data: Record<string, unknown> }[] = [];
  let bad: Error | undefined;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onError(error) {
      bad ??= new UpstreamError('upstream_error', `the media server sent a bad stream: ${error.message}`, {
        cause: error,
      });
    },
    onEvent({ event, data }) {
      if (data === '[DONE]') return;
      try {
        const parsed = JSON.parse(data) as Record<string, unknown>;
        const type = event !== 'message' ? event : typeof parsed.type === 'string' ? parsed.type : event;
        queue.push({ type, data: parsed });
      } catch (error) {
        bad ??= new UpstreamError('upstream_error', 'the media server sent an event that is not JSON', {
          cause: error,
        });
      }
    },
  });
  try {
    for await (const chunk of body) {
      parser.feed(chunk);
      if (bad) throw bad;
      yield* queue.splice(0);
    }
  } catch (error) {
    throw error instanceof UpstreamError ? error : toUpstreamError(error);
  }
}

/** An `error` event of the stream, as the `UpstreamError` it is. */
export function streamFailure(data: Record<string, unknown>): UpstreamError {
  return toUpstreamError(data);
}

/** Bytes of a base64 field, or an `upstream_error` naming what was missing. */
export function base64Field(data: Record<string, unknown>, field: string, event: string): Uint8Array {
  const value = data[field];
  if (typeof value !== 'string')
    throw new UpstreamError('upstream_error', `the media server's ${event} event has no ${field}`);
  return Uint8Array.from(Buffer.from(value, 'base64'));
}
