/**
 * Speech from an OpenAI-compatible `POST /audio/speech` (OpenAI, Kokoro-FastAPI, LocalAI…),
 * one request per sentence so each chunk is a whole audio file that plays on its own and the
 * first one arrives early. With `stream_format: "sse"` the audio comes as base64
 * `speech.audio.delta` events ending with `speech.audio.done`; a server that ignores it sends
 * the raw audio, chunked. Either way the chunk is the upstream's bytes, concatenated untouched.
 * @module
 */
import { postJson, type UpstreamTarget } from '../models/post-json.ts';
import { UpstreamError } from '../models/provider.ts';
import type { AudioChunk, SpeechProvider } from './provider.ts';
import { base64Field, isEventStream, sseEvents, streamFailure, UpstreamProvider } from './upstream-http.ts';

export interface OpenAISpeechOptions extends UpstreamTarget {
  model: string;
  voice: string;
  format: string;
}

const MEDIA_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/L16;rate=24000;channels=1',
};

export class OpenAISpeechProvider extends UpstreamProvider<OpenAISpeechOptions> implements SpeechProvider {
  async *speak(
    sentences: Iterable<string> | AsyncIterable<string>,
    signal: AbortSignal,
  ): AsyncIterable<AudioChunk> {
    const { format } = this.options;
    for await (const text of sentences) {
      const bytes = await this.#sentence(text, signal);
      yield {
        bytes,
        type: MEDIA_TYPES[format] ?? 'application/octet-stream',
        format: format === 'pcm' ? 'pcm16' : format,
        text,
      };
    }
  }

  async #sentence(input: string, signal: AbortSignal): Promise<Uint8Array> {
    const { model, voice, format } = this.options;
    const body = { model, voice, input, response_format: format, stream_format: 'sse' };
    const response = await postJson(this.options, '/audio/speech', body, signal);
    if (!isEventStream(response)) return new Uint8Array(await response.arrayBuffer());
    const parts: Uint8Array[] = [];
    for await (const { type, data } of sseEvents(response.body!)) {
      if (type === 'speech.audio.delta') parts.push(base64Field(data, 'audio', type));
      else if (type === 'speech.audio.done') return Buffer.concat(parts);
      else if (type === 'error') throw streamFailure(data);
    }
    throw new UpstreamError('upstream_error', 'the speech stream ended before speech.audio.done');
  }
}
