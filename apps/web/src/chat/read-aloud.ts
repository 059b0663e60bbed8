/**
 * Reading an answer aloud: a `POST /api/v1/stream/tts` stream (the stored answer by its id,
 * or its text) whose `audio` chunks an `AudioStreamPlayer` plays as they come. One reading at
 * a time. The reading's stream and the last chunk heard stay in sessionStorage, so after a
 * reload it goes on from the next chunk (nothing is heard twice). The option to read every new
 * answer while it streams (the server follows the answer's stream) is kept in localStorage.
 * @module
 */
import { signal } from '@preact/signals';
import { type AudioPlayerState, AudioStreamPlayer, SSEConsumer } from '@tidewire/client';
import { cancelStream } from './api.ts';
import { read, write } from './running-stream.ts';

export interface Reading {
  /** The message being read (its page key). */
  key: string;
  state: AudioPlayerState | 'starting' | 'failed';
}

interface SavedReading {
  key: string;
  streamId: string;
  played: number;
}

const SAVED = 'tidewire.reading';
const AUTO = 'tidewire.read-aloud';

export const reading = signal<Reading | undefined>(undefined);
export const autoRead = signal<boolean>(loadAuto());

let current: { consumer: SSEConsumer; player: AudioStreamPlayer; key: string } | undefined;

function loadAuto(): boolean {
  try {
    return localStorage.getItem(AUTO) === 'on';
  } catch {
    return false;
  }
}

export function setAutoRead(on: boolean): void {
  autoRead.value = on;
  try {
    localStorage.setItem(AUTO, on ? 'on' : 'off');
  } catch {
    // Storage disabled: the option lasts until the page closes.
  }
}

function setState(key: string, state: Reading['state']): void {
  if (current?.key !== key) return;
  reading.value = { key, state };
  document.body.dataset.audio = state;
}

/** What to read: a stored answer by its server id, else its text. */
export type ReadSource = { messageId: string } | { text: string } | { streamId: string };

function bodyOf(source: ReadSource): object {
  if ('messageId' in source) return { message_id: source.messageId };
  if ('streamId' in source) return { stream_id: source.streamId };
  return { text: source.text };
}

/** Reads a message aloud (stopping any other reading); `resume` continues a saved reading. */
export function readAloud(key: string, source: ReadSource, resume?: SavedReading): void {
  stopReading();
  const player = new AudioStreamPlayer({
    playedThrough: resume?.played ?? 0,
    requestInit: { credentials: 'same-origin' },
    onStateChange: (state) => {
      setState(key, state);
      if (state === 'ended') write(SAVED, null);
    },
    onPlayed: (seq) => save(key, consumer.streamId, seq),
    onError: (error) => console.warn(`read aloud: ${error.message}`),
  });
  const consumer = new SSEConsumer('/api/v1/stream/tts', {
    method: 'POST',
    body: bodyOf(source),
    resumeFrom: resume ? { streamId: resume.streamId, seq: 0 } : undefined,
    // SSE only: a start on the WebSocket route names its stream with `stream_id`, which the
    // speech route reads as "the chat answer to read" (and the route is SSE-only).
    transport: 'sse',
    headers: { 'x-requested-with': 'tidewire-web' },
    onHello: (hello) => save(key, hello.stream_id, resume?.played ?? 0),
    onAudio: (chunk) => player.push(chunk),
    onDone: () => player.end(),
    onStateChange: (state, info) => {
      if (state !== 'failed') return;
      player.stop();
      setState(key, 'failed');
      write(SAVED, null);
      console.warn(`read aloud failed: ${info.error?.message ?? 'the connection failed'}`);
    },
  });
  current = { consumer, player, key };
  setState(key, 'starting');
  void consumer.connect();
}

/** Stops the reading: the player, the connection, and the synthesis on the server. */
export function stopReading(): void {
  if (!current) return;
  const { consumer, player, key } = current;
  player.stop();
  consumer.close();
  if (consumer.streamId) void cancelStream(consumer.streamId);
  setState(key, 'idle');
  current = undefined;
  reading.value = undefined;
  write(SAVED, null);
}

function save(key: string, streamId: string | undefined, played: number): void {
  if (streamId && current?.key === key) write(SAVED, JSON.stringify({ key, streamId, played }));
}

/** After a reload: goes on with the reading that was playing, from the chunk after the last one heard. */
export function resumeReading(): void {
  const raw = read(SAVED);
  if (!raw) return;
  try {
    const saved = JSON.parse(raw) as Partial<SavedReading>;
    if (typeof saved.key !== 'string' || typeof saved.streamId !== 'string') return;
    readAloud(
      saved.key,
      { text: '' },
      { key: saved.key, streamId: saved.streamId, played: Number(saved.played) || 0 },
    );
  } catch {
    write(SAVED, null);
  }
}
