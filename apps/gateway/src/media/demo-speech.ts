/**
 * The built-in speech: eSpeak NG (WebAssembly, offline) in a worker thread per read-aloud
 * stream, one WAV per sentence. The same text gives the same bytes on every run. A cancel
 * terminates the worker, so no sentence is spoken after it.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { AudioChunk, SpeechProvider } from './provider.ts';

export const DEMO_VOICE = 'en-us';

export class DemoSpeechProvider implements SpeechProvider {
  readonly name = 'espeak-ng';
  /** eSpeak NG renders each sentence on its own: the same text gives the same bytes. */
  readonly canContinue = true;
  readonly #voice: string;

  constructor(voice = DEMO_VOICE) {
    this.#voice = voice;
  }

  async *speak(
    sentences: Iterable<string> | AsyncIterable<string>,
    signal: AbortSignal,
  ): AsyncIterable<AudioChunk> {
    const worker = new EspeakWorker();
    const stop = () => worker.terminate();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const text of sentences) {
        if (signal.aborted) throw signal.reason;
        const bytes = await worker.speak(text, this.#voice);
        if (signal.aborted) throw signal.reason;
        yield { bytes, type: 'audio/wav', format: 'wav', text };
      }
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
    }
  }
}

/** One worker and its pending request (sentences are spoken one at a time). */
class EspeakWorker {
  readonly #worker = new Worker(new URL('./espeak-worker.ts', import.meta.url));
  #next = 0;
  #terminated = false;

  speak(text: string, voice: string): Promise<Uint8Array> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.#worker.off('message', onMessage);
        this.#worker.off('error', onError);
        this.#worker.off('exit', onExit);
      };
      const onMessage = (reply: { id: number; wav?: Uint8Array; error?: string }) => {
        if (reply.id !== id) return;
        cleanup();
        if (reply.wav) resolve(new Uint8Array(reply.wav));
        else reject(new Error(`eSpeak NG failed: ${reply.error}`));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = () => {
        cleanup();
        reject(new Error('the eSpeak NG worker stopped'));
      };
      this.#worker.on('message', onMessage);
      this.#worker.on('error', onError);
      this.#worker.on('exit', onExit);
      this.#worker.postMessage({ id, text, voice });
    });
  }

  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    void this.#worker.terminate();
  }
}
