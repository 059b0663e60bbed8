/**
 * What a media provider gives a task: an image generator yields refinement steps (progress
 * and, on some, an image); a speech synthesiser yields one audio chunk per piece of text.
 * Both stop when `signal` aborts (a cancel), and fail with an `UpstreamError` when a server
 * behind them does. One that `canContinue` picks a job up where a dead instance left it (a
 * takeover): the same steps, the same bytes.
 * @module
 */

/** Bytes and their media type: what becomes an artifact of the stream. */
export interface MediaBytes {
  bytes: Uint8Array;
  type: string;
}

export interface ImageRequest {
  prompt: string;
  /** `WIDTHxHEIGHT` (or a size the upstream understands, such as `auto`). */
  size: string | undefined;
}

export interface ImageStep {
  /** Progress 0–100; a task reports it only when it rises. */
  pct: number;
  note?: string;
  image?: MediaBytes;
  /** The finished image (the last step). */
  final?: boolean;
}

export interface ImageProvider {
  /** Named in `hello.model` (`demo-image`, the upstream's model). */
  readonly name: string;
  /** Whether `generate` can start at a later step and yield what an uncut run yields from there. */
  readonly canContinue: boolean;
  /** `fromStep`: the steps an earlier run already yielded, not yielded again (only when `canContinue`). */
  generate(request: ImageRequest, signal: AbortSignal, fromStep?: number): AsyncIterable<ImageStep>;
}

export interface AudioChunk extends MediaBytes {
  /** `wav`, `mp3`, `opus`… (the contract's `audio.format`). */
  format: string;
  /** The text it speaks. */
  text: string;
}

export interface SpeechProvider {
  readonly name: string;
  /** Whether a sentence is spoken the same whatever came before it, so a run can resume at any sentence. */
  readonly canContinue: boolean;
  /** One chunk per sentence, in order (the sentences may still be arriving). */
  speak(sentences: Iterable<string> | AsyncIterable<string>, signal: AbortSignal): AsyncIterable<AudioChunk>;
}

/** What a media stream does, kept in its meta so another instance can continue it. */
export type MediaJob =
  | { kind: 'image'; request: ImageRequest }
  | { kind: 'speech'; text: string }
  | { kind: 'speech'; answerStreamId: string };

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
