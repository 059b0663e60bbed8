/**
 * How a media task ends when its work throws: nothing more after a cancel (the cancel already
 * ended the stream), else `error` with the failure's own type (`upstream_*`, `stream_too_large`)
 * or `internal_error`, then `done`.
 * @module
 */
import { TidewireError } from '@tidewire/protocol';
import type { ChatStream } from '../chat-engine.ts';
import { UpstreamError } from '../models/provider.ts';

export async function failTask(stream: ChatStream, error: unknown): Promise<void> {
  if (stream.ended || stream.signal.aborted) return;
  if (error instanceof UpstreamError || TidewireError.isInstance(error)) {
    await stream.fail(error.type, error.message);
    return;
  }
  await stream.fail('internal_error', `the task failed: ${(error as Error)?.message ?? String(error)}`);
}
