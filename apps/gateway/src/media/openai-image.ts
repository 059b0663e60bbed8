/**
 * Images from an OpenAI-compatible Images API, streamed: `POST /images/generations` with
 * `stream: true` and `partial_images`, whose SSE events `image_generation.partial_image` and
 * `image_generation.completed` carry each image as base64. Each becomes a step with the
 * decoded bytes, untouched. A server that ignores `stream` answers with the usual JSON
 * (`data[0].b64_json`): that is the final image, with no partials before it.
 * @module
 */
import { postJson, type UpstreamTarget } from '../models/post-json.ts';
import { UpstreamError } from '../models/provider.ts';
import type { ImageProvider, ImageRequest, ImageStep } from './provider.ts';
import { base64Field, isEventStream, sseEvents, streamFailure, UpstreamProvider } from './upstream-http.ts';

export interface OpenAIImageOptions extends UpstreamTarget {
  model: string;
  /** Partial images asked for (0–3). */
  partialImages: number;
}

const MEDIA_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const mediaType = (data: Record<string, unknown>) =>
  MEDIA_TYPES[String(data.output_format ?? 'png')] ?? 'image/png';

export class OpenAIImageProvider extends UpstreamProvider<OpenAIImageOptions> implements ImageProvider {
  async *generate(request: ImageRequest, signal: AbortSignal): AsyncIterable<ImageStep> {
    const { model, partialImages } = this.options;
    const body = {
      model,
      prompt: request.prompt,
      n: 1,
      ...(request.size ? { size: request.size } : {}),
      stream: true,
      ...(partialImages > 0 ? { partial_images: partialImages } : {}),
    };
    const response = await postJson(this.options, '/images/generations', body, signal);
    if (!isEventStream(response)) {
      yield finalOfJson((await response.json()) as { data?: { b64_json?: unknown }[] });
      return;
    }
    for await (const { type, data } of sseEvents(response.body!)) {
      if (type === 'image_generation.partial_image') {
        const index = Number(data.partial_image_index ?? 0);
        yield {
          pct: Math.min(99, Math.round((100 * (index + 1)) / (partialImages + 1))),
          note: `partial image ${index + 1} of ${partialImages}`,
          image: { bytes: base64Field(data, 'b64_json', type), type: mediaType(data) },
        };
      } else if (type === 'image_generation.completed') {
        yield {
          pct: 100,
          note: 'done',
          image: { bytes: base64Field(data, 'b64_json', type), type: mediaType(data) },
          final: true,
        };
        return;
      } else if (type === 'error') {
        throw streamFailure(data);
      }
    }
    throw new UpstreamError('upstream_error', 'the image stream ended before its completed event');
  }
}

function finalOfJson(json: { data?: { b64_json?: unknown }[] }): ImageStep {
  const first = json.data?.[0];
  if (!first) throw new UpstreamError('upstream_error', 'the image server answered with no image');
  return {
    pct: 100,
    note: 'done',
    image: { bytes: base64Field(first, 'b64_json', 'response'), type: 'image/png' },
    final: true,
  };
}
