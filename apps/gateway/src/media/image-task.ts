/**
 * Runs an image generation into a stream: `start`, then `progress` each time it rises (0 to
 * 100), a `preview` for every image the provider yields (stored as an artifact first, so the
 * event never names a missing one), the last with `final: true`, then `done`. A cancel aborts
 * the provider (the upstream request, or the demo's job); a failure ends with `error`.
 * A takeover runs it again from what the log holds (`imageSoFar`): nothing it wrote is repeated.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import type { ChatStream } from '../chat-engine.ts';
import { UpstreamError } from '../models/provider.ts';
import { artifactPath } from '../routes/artifacts.ts';
import type { ImageProvider, ImageRequest, MediaBytes } from './provider.ts';
import { failTask } from './task-failure.ts';

/** The `id` of the image task's `progress` and `preview` events. */
export const IMAGE_TASK_ID = 'image';

/** What an image stream's log already holds. */
export interface ImageSoFar {
  started: boolean;
  /** The last `progress`, undefined before the first. */
  pct: number | undefined;
  /** Previews sent: the provider's steps done. */
  steps: number;
  /** Whether the final image was sent. */
  final: boolean;
}

const NOTHING_YET: ImageSoFar = { started: false, pct: undefined, steps: 0, final: false };

/** How far an image stream got, from its events. */
export function imageSoFar(events: StreamEvent[]): ImageSoFar {
  const soFar = { ...NOTHING_YET };
  for (const { event, data } of events) {
    if (event === 'start') soFar.started = true;
    else if (event === 'progress') soFar.pct = data.pct;
    else if (event === 'preview') {
      soFar.steps++;
      soFar.final ||= data.final === true;
    }
  }
  return soFar;
}

export async function runImageTask(
  stream: ChatStream,
  provider: ImageProvider,
  request: ImageRequest,
  soFar: ImageSoFar = NOTHING_YET,
): Promise<void> {
  const signal = stream.signal;
  if (!soFar.started) stream.emit('start', { status: 'processing' });
  if (soFar.pct === undefined) stream.emit('progress', { id: IMAGE_TASK_ID, pct: 0, note: 'starting' });
  let pct = soFar.pct ?? 0;
  let finished = soFar.final;
  try {
    const steps = finished ? [] : provider.generate(request, signal, soFar.steps);
    for await (const step of steps) {
      const next = Math.min(100, Math.max(pct, Math.round(step.pct)));
      if (next > pct)
        stream.emit('progress', { id: IMAGE_TASK_ID, pct: next, ...(step.note ? { note: step.note } : {}) });
      pct = next;
      if (step.image) await preview(stream, step.image, step.final === true);
      if (step.final) {
        finished = true;
        break;
      }
    }
    if (!finished)
      throw new UpstreamError('upstream_error', 'the image generator stopped before its final image');
    if (pct < 100) stream.emit('progress', { id: IMAGE_TASK_ID, pct: 100, note: 'done' });
    await stream.end('stop');
  } catch (error) {
    await failTask(stream, error);
  }
}

async function preview(stream: ChatStream, image: MediaBytes, final: boolean): Promise<void> {
  const n = await stream.putArtifact(image);
  stream.emit('preview', {
    id: IMAGE_TASK_ID,
    url: artifactPath(stream.id, n),
    type: image.type,
    ...(final ? { final: true } : {}),
  });
}
