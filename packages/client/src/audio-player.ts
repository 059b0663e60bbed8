/**
 * `AudioStreamPlayer`: plays a stream's `audio` chunks in the browser as they arrive, gaplessly.
 * Each chunk (a whole short audio file: a sentence) is fetched and decoded as soon as it is
 * announced (`decodeAudioData`), and scheduled on the Web Audio clock right where the previous
 * one ends, so sentences follow each other with no gap and playback starts on the first chunk.
 * A chunk is played at most once: its `seq` must rise, and `playedThrough` (kept by the page
 * across a reload) skips what was already heard, so a resumed reading goes on from the next
 * chunk. It reports `idle` → `playing` → `ended` (or back to `idle` when stopped).
 * @module
 */

/** The parts of Web Audio the player uses (an `AudioContext` has them). */
export interface AudioContextLike {
  readonly currentTime: number;
  readonly destination: unknown;
  readonly state: string;
  resume(): Promise<void>;
  decodeAudioData(data: ArrayBuffer): Promise<{ readonly duration: number }>;
  createBufferSource(): AudioSourceLike;
}

export interface AudioSourceLike {
  buffer: unknown;
  onended: (() => void) | null;
  connect(destination: never): unknown;
  start(when: number): void;
  stop(): void;
}

export type AudioPlayerState = 'idle' | 'playing' | 'ended';

/** What an `audio` event names: its place in the reading and where its bytes are. */
export interface AudioChunkRef {
  seq: number;
  url: string;
}

export interface AudioStreamPlayerOptions {
  /** The Web Audio context (default: a new `AudioContext`, made on the first chunk). */
  context?: AudioContextLike;
  fetch?: typeof fetch;
  /** Options of each chunk's fetch (credentials, headers). */
  requestInit?: RequestInit;
  /** Chunks up to this `seq` were heard already (a reading resumed after a reload). */
  playedThrough?: number;
  onStateChange?: (state: AudioPlayerState) => void;
  /** Chunk `seq` finished playing (remember it to resume after a reload). */
  onPlayed?: (seq: number) => void;
  /** A chunk could not be fetched or decoded: it is skipped, the next ones play. */
  onError?: (error: Error, chunk: AudioChunkRef) => void;
}

/** Seconds between scheduling the first chunk and its start, so it never starts late and clipped. */
const LEAD_SECONDS = 0.05;

export class AudioStreamPlayer {
  readonly #options: AudioStreamPlayerOptions;
  #context: AudioContextLike | undefined;
  #state: AudioPlayerState = 'idle';
  /** Highest `seq` accepted (pushed or already heard). */
  #accepted: number;
  #playedThrough: number;
  /** Chunks are scheduled in the order they were pushed, each once its bytes are decoded. */
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #nextStart = 0;
  readonly #playing = new Set<AudioSourceLike>();
  #ending = false;
  #stopped = false;

  constructor(options: AudioStreamPlayerOptions = {}) {
    this.#options = options;
    this.#context = options.context;
    this.#accepted = options.playedThrough ?? 0;
    this.#playedThrough = options.playedThrough ?? 0;
  }

  get state(): AudioPlayerState {
    return this.#state;
  }

  /** The last chunk heard to its end. */
  get playedThrough(): number {
    return this.#playedThrough;
  }

  /** Plays a chunk after the ones before it; a chunk whose `seq` was seen already is ignored. */
  push(chunk: AudioChunkRef): void {
    if (this.#stopped || this.#ending || chunk.seq <= this.#accepted) return;
    this.#accepted = chunk.seq;
    this.#queued++;
    const decoded = this.#decode(chunk);
    this.#chain = this.#chain.then(async () => {
      const buffer = await decoded;
      this.#queued--;
      if (buffer && !this.#stopped) await this.#schedule(chunk.seq, buffer);
      this.#settleIfDone();
    });
  }

  /** No more chunks will come: the state becomes `ended` once the last one has played. */
  end(): void {
    this.#ending = true;
    this.#settleIfDone();
  }

  /** Stops at once (what is playing and what is queued); the state goes back to `idle`. */
  stop(): void {
    this.#stopped = true;
    for (const source of this.#playing) {
      source.onended = null;
      source.stop();
    }
    this.#playing.clear();
    this.#setState('idle');
  }

  async #decode(chunk: AudioChunkRef): Promise<{ duration: number } | undefined> {
    try {
      const response = await (this.#options.fetch ?? fetch)(chunk.url, this.#options.requestInit);
      if (!response.ok) throw new Error(`audio chunk ${chunk.seq}: the server answered ${response.status}`);
      return await this.#audioContext().decodeAudioData(await response.arrayBuffer());
    } catch (error) {
      this.#options.onError?.(error as Error, chunk);
      return undefined;
    }
  }

  async #schedule(seq: number, buffer: { duration: number }): Promise<void> {
    const context = this.#audioContext();
    if (context.state === 'suspended') await context.resume();
    if (this.#stopped) return;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination as never);
    const at = Math.max(context.currentTime + LEAD_SECONDS, this.#nextStart);
    this.#nextStart = at + buffer.duration;
    source.onended = () => {
      this.#playing.delete(source);
      this.#playedThrough = Math.max(this.#playedThrough, seq);
      this.#options.onPlayed?.(seq);
      this.#settleIfDone();
    };
    this.#playing.add(source);
    source.start(at);
    this.#setState('playing');
  }

  #settleIfDone(): void {
    if (this.#ending && !this.#stopped && this.#queued === 0 && this.#playing.size === 0)
      this.#setState('ended');
  }

  #audioContext(): AudioContextLike {
    this.#context ??= new (
      globalThis as unknown as { AudioContext: new () => AudioContextLike }
    ).AudioContext();
    return this.#context;
  }

  #setState(state: AudioPlayerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#options.onStateChange?.(state);
  }
}
