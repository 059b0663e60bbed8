import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStreamStore } from '../src/index.ts';
import { chatLikeEngine, generate, RecordingSink, WORDS } from './fixtures.ts';

const engineFor = chatLikeEngine;
const init = { meta: null };

test('resuming a finished stream after every sequence number gives the rest of the transcript exactly', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  await generate(stream, WORDS);
  const full = new RecordingSink();
  engine.reader(stream.info, 0).pipe(full);
  assert.ok(full.ended);
  const frames = full.text.split(/(?<=\n\n)/);
  assert.equal(frames.length, stream.lastSeq);
  for (let seq = 0; seq <= stream.lastSeq; seq++) {
    const sink = new RecordingSink();
    engine.reader(stream.info, seq).pipe(sink);
    assert.equal(sink.text, frames.slice(seq).join(''), `after ${seq}`);
    assert.ok(sink.ended);
  }
  await engine.close();
});

test('a reader attached mid-generation sees replay then live events with no gap or duplicate', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  stream.emit('start', { status: 'processing' });
  const readers: RecordingSink[] = [];
  for (const [i, word] of WORDS.entries()) {
    stream.text(word);
    if (i % 5 === 0) {
      const sink = new RecordingSink();
      engine.reader(stream.info, Math.max(0, stream.lastSeq - 2)).pipe(sink);
      readers.push(sink);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await stream.end('stop', { tokens: WORDS.length });
  for (const sink of readers) {
    const seqs = sink.events().map((e) => e.seq!);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    );
    assert.equal(seqs.at(-1), stream.lastSeq);
  }
  await engine.close();
});

test('an event appended while a reader handles its replay is delivered once, in order', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  stream.emit('start', { status: 'processing' });
  const sink = new RecordingSink();
  const write = sink.write.bind(sink);
  let appended = false;
  sink.write = (text) => {
    if (!appended) {
      appended = true;
      stream.emit('progress', { id: 'p', pct: 50 });
    }
    return write(text);
  };
  engine.reader(stream.info, 0).pipe(sink);
  await stream.end('stop', { tokens: 0 });
  assert.deepEqual(
    sink.events().map((e) => e.seq),
    [1, 2, 3, 4],
  );
  await engine.close();
});

test('deltas concatenate to the exact text fed in, first token at once', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  stream.text(WORDS[0]!);
  assert.equal(sink.events().at(-1)?.event, 'delta', 'the first token leaves at once');
  for (const word of WORDS.slice(1)) stream.text(word);
  await stream.end('stop', { tokens: WORDS.length });
  const deltas = sink.events().filter((e) => e.event === 'delta');
  assert.equal(deltas.map((e) => (e.event === 'delta' ? e.data.text : '')).join(''), WORDS.join(''));
  assert.ok(deltas.length < WORDS.length, 'tokens were coalesced');
  await engine.close();
});

test('text of another event (reasoning) is coalesced with the same bound, each in its own events, in order', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  for (const word of WORDS) stream.text(word, 'reasoning');
  for (const word of WORDS) stream.text(word);
  stream.text('and one more thought', 'reasoning');
  await stream.end('stop');
  const textOf = (name: string) =>
    sink
      .events()
      .filter((e) => e.event === name)
      .map((e) => (e.data as { text: string }).text);
  const reasoning = textOf('reasoning');
  assert.equal(reasoning.join(''), `${WORDS.join('')}and one more thought`);
  assert.equal(reasoning[0], WORDS[0], 'the first piece leaves at once');
  assert.ok(reasoning.length < WORDS.length, 'reasoning pieces were coalesced');
  assert.equal(textOf('delta').join(''), WORDS.join(''));
  assert.deepEqual(
    sink
      .events()
      .map((e) => e.event)
      .filter((name, k, all) => name !== all[k - 1]),
    ['hello', 'reasoning', 'delta', 'reasoning', 'done'],
    'the pieces keep their order',
  );
  assert.equal(stream.textPieces, 2 * WORDS.length + 1, 'every piece counts once');
  await engine.close();
});

test('cancel ends the stream with done {reason: cancelled} and aborts the generation signal', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  stream.text('partial ');
  assert.equal(await engine.cancel(stream.id), true);
  assert.ok(stream.signal.aborted);
  const last = sink.events().at(-1);
  assert.deepEqual(last?.event === 'done' && last.data.reason, 'cancelled');
  assert.equal(await engine.cancel(stream.id), false, 'a finished stream cannot be cancelled again');
  stream.text('ignored');
  assert.equal(sink.events().at(-1)?.event, 'done');
  await engine.close();
});

test('a client going away detaches its reader and nothing else', async () => {
  const engine = engineFor();
  const stream = await engine.start(init);
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  sink.close();
  await generate(stream, WORDS);
  const later = new RecordingSink();
  engine.reader(stream.info, 0).pipe(later);
  assert.equal(later.events().at(-1)?.event, 'done');
  await engine.close();
});

test('a stream whose log passes its size bound ends with error stream_too_large', async () => {
  const engine = engineFor({ maxLogBytes: 2000 });
  const stream = await engine.start(init);
  stream.emit('start', { status: 'processing' });
  for (let i = 0; i < 200 && !stream.ended; i++)
    stream.emit('progress', { id: 'x', pct: i, note: 'n'.repeat(50) });
  await stream.finished;
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  const events = sink.events();
  const error = events.at(-2)!;
  assert.ok(error.event === 'error' && error.data.type === 'stream_too_large', JSON.stringify(error));
  assert.equal(error.seq, stream.lastSeq - 1);
  assert.deepEqual(events.at(-1)?.data, { reason: 'error', tokens: 0 });
  assert.ok(stream.signal.aborted);
  await engine.close();
});

test('a finished stream is freed after its retention time', async () => {
  const store = new MemoryStreamStore();
  const engine = engineFor({ retentionMs: 20, store });
  const stream = await engine.start(init);
  await generate(stream, ['a']);
  assert.ok(await store.info(stream.id));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(await store.info(stream.id), undefined);
  await engine.close();
});

test('open connections get a ping every heartbeat interval, without an id', async () => {
  const engine = engineFor({ heartbeatMs: 10 });
  const stream = await engine.start(init);
  const sink = new RecordingSink();
  engine.reader(stream.info, 0).pipe(sink);
  await new Promise((r) => setTimeout(r, 55));
  const pings = sink.events().filter((e) => e.event === 'ping');
  assert.ok(pings.length >= 2, `got ${pings.length} pings`);
  assert.ok(pings.every((p) => p.seq === undefined));
  sink.close();
  await engine.close();
});

test('stream ids are unique, sortable by time and safe inside an event id', async () => {
  const engine = engineFor();
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) ids.push((await engine.start(init)).id);
  assert.equal(new Set(ids).size, 50);
  const millis = ids.map((id) => id.slice(0, 13));
  assert.deepEqual([...millis].sort(), millis, 'ordered by their millisecond prefix');
  assert.ok(ids.every((id) => /^[0-9a-f-]{36}$/.test(id)));
  await engine.close();
});

/** A memory store that records which streams this process stopped writing without ending them. */
class StopRecordingStore extends MemoryStreamStore {
  readonly stopped: string[] = [];
  stopWriting(streamId: string): void {
    this.stopped.push(streamId);
  }
}

test('a stream abandoned here (another owner continues it) is no longer written here, as its store is told; an ended one is not', async () => {
  const store = new StopRecordingStore();
  const engine = chatLikeEngine({ store });
  const abandoned = await engine.start({ meta: null });
  const ended = await engine.start({ meta: null });
  abandoned.abandon();
  await ended.end();
  assert.deepEqual(store.stopped, [abandoned.id]);
  await engine.close();
});

test('as a stream ends, the observer hears the longest any of its text was held; of a stream that held none, nothing', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const held: [string, number][] = [];
  const engine = engineFor({
    coalesceHoldMs: 30,
    observer: { onStreamTextHeld: (info, ms) => held.push([info.streamId, ms]) },
  });
  const stream = await engine.start(init);
  stream.text('Hello'); // at once
  stream.text(' there'); // held
  t.mock.timers.tick(12);
  stream.text(' friend.'); // punctuation: out after 12 ms
  stream.text(' Bye'); // held
  t.mock.timers.tick(3);
  await stream.end('stop'); // flushed by the end after 3 ms
  const quiet = await engine.start(init);
  stream.text('ignored'); // an ended stream takes no text
  quiet.text('One piece, at once');
  await quiet.end('stop');
  assert.deepEqual(held, [[stream.id, 12]]);
  await engine.close();
});
