/**
 * `AudioStreamPlayer` against a recording Web Audio context (Node has no Web Audio; the page's
 * Chromium test plays through the real one): chunks are scheduled back to back in `seq`
 * order whatever order their bytes arrive in, none twice, none already heard before a reload,
 * a chunk that cannot be fetched is reported and skipped, and the state goes idle → playing
 * → ended (or back to idle on stop).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AudioContextLike,
  type AudioPlayerState,
  type AudioSourceLike,
  AudioStreamPlayer,
} from '../src/index.ts';

/** A context whose clock the test moves; each source records when it was started. */
class RecordingContext implements AudioContextLike {
  currentTime = 10;
  readonly destination = {};
  state = 'suspended';
  readonly started: { seconds: number; at: number; source: AudioSourceLike }[] = [];

  async resume(): Promise<void> {
    this.state = 'running';
  }

  /** A chunk's bytes hold its length in seconds (one byte, tenths). */
  async decodeAudioData(data: ArrayBuffer): Promise<{ duration: number }> {
    return { duration: new Uint8Array(data)[0]! / 10 };
  }

  createBufferSource(): AudioSourceLike {
    const context = this;
    const source: AudioSourceLike = {
      buffer: undefined,
      onended: null,
      connect: () => undefined,
      start(at) {
        context.started.push({ seconds: (source.buffer as { duration: number }).duration, at, source });
      },
      stop() {},
    };
    return source;
  }

  /** Ends every source started so far, in order. */
  finishAll(): void {
    for (const { source } of this.started.splice(0)) source.onended?.();
  }
}

/** Serves `/chunk/N` with a body of one byte: N tenths of a second; `delays` hold some back. */
function chunkServer(delays: Record<number, Promise<void>> = {}, missing: number[] = []): typeof fetch {
  return (async (url: string) => {
    const n = Number(String(url).split('/').at(-1));
    await delays[n];
    return missing.includes(n) ? new Response('gone', { status: 404 }) : new Response(new Uint8Array([n]));
  }) as typeof fetch;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const chunk = (seq: number) => ({ seq, url: `/chunk/${seq}` });

test('chunks play back to back in seq order, even when a later one arrives first', async () => {
  const context = new RecordingContext();
  let release!: () => void;
  const slowFirst = new Promise<void>((resolve) => {
    release = resolve;
  });
  const states: AudioPlayerState[] = [];
  const player = new AudioStreamPlayer({
    context,
    fetch: chunkServer({ 1: slowFirst }),
    onStateChange: (s) => states.push(s),
  });
  for (const seq of [1, 2, 3]) player.push(chunk(seq));
  await settle();
  assert.equal(context.started.length, 0, 'nothing plays before chunk 1');
  release();
  await settle();
  assert.deepEqual(
    context.started.map(({ seconds, at }) => [seconds, Number(at.toFixed(2))]),
    [
      [0.1, 10.05],
      [0.2, 10.15],
      [0.3, 10.35],
    ],
  );
  assert.deepEqual(states, ['playing']);
  player.end();
  context.finishAll();
  assert.equal(player.playedThrough, 3);
  assert.deepEqual(states, ['playing', 'ended']);
});

test('a chunk is never played twice, and a resumed reading skips what was heard', async () => {
  const context = new RecordingContext();
  const played: number[] = [];
  const player = new AudioStreamPlayer({
    context,
    fetch: chunkServer(),
    playedThrough: 2,
    onPlayed: (n) => played.push(n),
  });
  for (const seq of [1, 2, 3, 3, 2, 4]) player.push(chunk(seq));
  await settle();
  assert.deepEqual(
    context.started.map((s) => s.seconds),
    [0.3, 0.4],
  );
  context.finishAll();
  assert.deepEqual(played, [3, 4]);
});

test('a chunk that cannot be fetched is reported and skipped; the next ones play', async () => {
  const context = new RecordingContext();
  const errors: string[] = [];
  const player = new AudioStreamPlayer({
    context,
    fetch: chunkServer({}, [2]),
    onError: (e) => errors.push(e.message),
  });
  for (const seq of [1, 2, 3]) player.push(chunk(seq));
  player.end();
  await settle();
  assert.deepEqual(
    context.started.map((s) => s.seconds),
    [0.1, 0.3],
  );
  assert.deepEqual(errors, ['audio chunk 2: the server answered 404']);
  context.finishAll();
  assert.equal(player.state, 'ended');
});

test('stop silences it and goes back to idle; later chunks are ignored; an empty reading ends at once', async () => {
  const context = new RecordingContext();
  const player = new AudioStreamPlayer({ context, fetch: chunkServer() });
  player.push(chunk(1));
  await settle();
  assert.equal(player.state, 'playing');
  player.stop();
  player.push(chunk(2));
  await settle();
  assert.equal(player.state, 'idle');
  assert.equal(context.started.length, 1);
  const empty = new AudioStreamPlayer({ context, fetch: chunkServer() });
  empty.end();
  assert.equal(empty.state, 'ended');
});
