/**
 * SSEConsumer's handler forms against tiny servers: the design guide's (`consumer.onDelta(fn)`,
 * `consumer.on(name, fn)`, several per event, each with its unsubscribe function) beside
 * today's option fields and assignments; `on('*')` for events no vocabulary declares; the
 * guide's `chunk` and `complete` events; an app's own vocabulary; the bound on one event.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeEvent, TidewireError } from '@tidewire/protocol';
import { type EventVocabulary, type ReceivedEvent, SSEConsumer, type StreamError } from '../src/index.ts';
import { FAST, sseHead, tinyServer } from './helpers.ts';

const delta = (text: string, seq: number) => encodeEvent('delta', { text }, `s:${seq}`);
const done = (seq: number, reason = 'stop') => encodeEvent('done', { reason, tokens: 1 }, `s:${seq}`);

/** A server answering every request with `body` as an event stream. */
const streaming = (body: string) => tinyServer((_req, res) => sseHead(res).end(body));

describe('handlers by call, beside handlers by option', () => {
  test('consumer.onDelta(fn) adds a handler each call, after the option one; unsubscribe removes one', async () => {
    const server = await streaming(delta('a', 1) + delta('b', 2) + delta('c', 3) + done(4));
    const calls: string[] = [];
    const consumer = new SSEConsumer(server.url, {
      ...FAST,
      onDelta: ({ text }) => calls.push(`option ${text}`),
    });
    consumer.onDelta((data) => calls.push(`first ${data.text}`));
    const stop = consumer.onDelta(({ text }, event) => {
      calls.push(`second ${text}@${event.seq}`);
      if (text === 'b') stop();
    });
    consumer.on('delta', ({ text }) => calls.push(`on ${text}`));
    await consumer.connect();
    server.close();
    assert.deepEqual(calls, [
      ...['option a', 'first a', 'second a@1', 'on a'],
      ...['option b', 'first b', 'second b@2', 'on b'],
      ...['option c', 'first c', 'on c'],
    ]);
  });

  test('assigning a handler replaces the assigned one only; the same function added twice runs twice', async () => {
    const server = await streaming(delta('x', 1) + done(2));
    const calls: string[] = [];
    const consumer = new SSEConsumer(server.url, { ...FAST, onDone: () => calls.push('option done') });
    consumer.onDone = () => calls.push('assigned done');
    const twice = () => calls.push('added');
    consumer.onDone(twice);
    consumer.onDone(twice)();
    consumer.onDone(twice);
    await consumer.connect();
    server.close();
    assert.deepEqual(calls, ['assigned done', 'added', 'added']);
  });

  test('onComplete, onError, onStateChange, onHello… by call; the guide snippet as written', async () => {
    const hello = { ts: 1, model: 'demo', conversation_id: null, stream_id: 's' };
    const server = await streaming(
      encodeEvent('hello', hello, 's:1') +
        delta('Hel', 2) +
        encodeEvent('error', { type: 'upstream_error', message: 'oops' }, 's:3') +
        delta('lo', 4) +
        done(5),
    );
    const seen: string[] = [];
    const consumer = new SSEConsumer(server.url, FAST);
    consumer.onHello((data) => seen.push(`hello ${data.stream_id}`));
    consumer.onDelta((data) => seen.push(`delta ${data.text}`));
    consumer.onError((error) => seen.push(`error ${error.type}`));
    consumer.on('error', (data) => seen.push(`error event ${data.message}`));
    consumer.onComplete((text, doneData) => seen.push(`complete ${text} ${doneData.reason}`));
    consumer.onStateChange((state) => seen.push(`state ${state}`));
    consumer.onPing(() => seen.push('ping'));
    await consumer.connect();
    server.close();
    assert.deepEqual(seen, [
      'state connecting',
      'state streaming',
      'hello s',
      'delta Hel',
      'error upstream_error',
      'error event oops',
      'delta lo',
      'state done',
      'complete Hello stop',
    ]);
  });

  test('a handler that is not a function is refused at once', () => {
    const consumer = new SSEConsumer('http://127.0.0.1:9/');
    assert.throws(() => consumer.onDelta('typewriter' as never), /a handler must be a function, got string/);
    assert.throws(() => {
      consumer.onDelta = 42 as never;
    }, /got number/);
  });
});

describe('events beyond the vocabulary', () => {
  test("on('*') sees every event; on(name) reaches events the vocabulary does not declare", async () => {
    const server = await streaming(
      encodeEvent('weather', { text: 'think' }, 's:1') +
        delta('a', 2) +
        encodeEvent('audio', { seq: 0, format: 'mp3', url: '/a/0' }, 's:3') +
        'id: s:4\nevent: plain\ndata: not json\n\n' +
        done(5),
    );
    const all: string[] = [];
    const consumer = new SSEConsumer(server.url, FAST);
    consumer.on('*', (data, event) => all.push(`${event.event}:${event.seq}:${JSON.stringify(data)}`));
    const audio: unknown[] = [];
    consumer.onAudio((data) => audio.push([data.format, data.url]));
    const weather: ReceivedEvent[] = [];
    // A name the chat vocabulary does not declare is reached by name too (in TypeScript,
    // declare it in the vocabulary; here it is cast, as plain JavaScript would call it).
    consumer.on('weather' as never, (_data: unknown, event: ReceivedEvent) => weather.push(event));
    const errors: StreamError[] = [];
    consumer.onError((e) => errors.push(e));
    const iterated: string[] = [];
    for await (const event of consumer) iterated.push(event.event);
    server.close();
    assert.deepEqual(all, [
      'weather:1:{"text":"think"}',
      'delta:2:{"text":"a"}',
      'audio:3:{"seq":0,"format":"mp3","url":"/a/0"}',
      'plain:4:"not json"',
      'done:5:{"reason":"stop","tokens":1}',
    ]);
    assert.deepEqual(audio, [['mp3', '/a/0']]);
    assert.deepEqual(weather, [{ event: 'weather', data: { text: 'think' }, streamId: 's', seq: 1 }]);
    // `audio` is a chat event (the contract's read-aloud chunks); `weather` and `plain` are not.
    assert.deepEqual(iterated, ['delta', 'audio', 'done'], 'the iterator yields the vocabulary’s events');
    assert.deepEqual(errors, []);
  });

  test('a declared event with bad data is reported and skipped, its seq used', async () => {
    const server = await streaming(
      delta('a', 1) +
        encodeEvent('delta', { txt: 'b' }, 's:2') +
        'id: s:3\nevent: delta\ndata: {\n\n' +
        done(4),
    );
    const errors: StreamError[] = [];
    const consumer = new SSEConsumer(server.url, { ...FAST, onError: (e) => errors.push(e) });
    await consumer.connect();
    server.close();
    assert.equal(consumer.text, 'a');
    assert.equal(consumer.state, 'done');
    assert.deepEqual(
      errors.map((e) => [e.type, e.retrying, e.message]),
      [
        ['bad_event', true, 'event "delta" has invalid data: text must be a string'],
        ['bad_event', true, 'event "delta" has data that is not JSON'],
      ],
    );
  });
});

describe("the design guide's event names", () => {
  test('chunk is delta and complete is done: onDelta and onComplete fire, the text is whole', async () => {
    const server = await streaming(
      encodeEvent('chunk', { text: 'Hel' }, 's:1') +
        encodeEvent('chunk', { text: 'lo' }, 's:2') +
        encodeEvent('complete', {}, 's:3'),
    );
    const deltas: string[] = [];
    let completed: string | undefined;
    let doneReason: string | undefined;
    const consumer = new SSEConsumer(server.url, FAST);
    consumer.onDelta((data) => deltas.push(data.text));
    consumer.onDone((data) => {
      doneReason = data.reason;
    });
    consumer.onComplete((text) => {
      completed = text;
    });
    await consumer.connect();
    server.close();
    assert.deepEqual(deltas, ['Hel', 'lo']);
    assert.equal(completed, 'Hello');
    assert.equal(doneReason, 'stop', 'a complete without a reason finished');
    assert.equal(consumer.state, 'done');
    assert.equal(server.requests(), 1);
  });

  test('a complete with a reason keeps it; a chunk without text is a bad event', async () => {
    const server = await streaming(
      encodeEvent('chunk', { txt: 'x' }, 's:1') + encodeEvent('complete', { reason: 'length' }, 's:2'),
    );
    const errors: string[] = [];
    let completed: string | undefined;
    const consumer = new SSEConsumer(server.url, { ...FAST, onError: (e) => errors.push(e.message) });
    consumer.onComplete((text, data) => {
      completed = `${text}|${data.reason}`;
    });
    await consumer.connect();
    server.close();
    assert.deepEqual(errors, ['event "chunk" has invalid data: text must be a string']);
    assert.equal(completed, '|length');
  });
});

describe("an app's own vocabulary", () => {
  type JobEvents = { progress: { pct: number }; result: { url: string } };
  /** Shaped like `defineEvents` of @tidewire/protocol, with a check of its own. */
  const jobEvents: EventVocabulary<JobEvents> = {
    names: ['progress', 'result'],
    check: (event, data) =>
      event === 'progress' && typeof (data as { pct?: unknown }).pct !== 'number'
        ? 'pct must be a number'
        : undefined,
  };

  test('handlers are typed by it, its check runs, reserved events still work', async () => {
    const server = await streaming(
      encodeEvent('progress', { pct: 10 }, 's:1') +
        encodeEvent('progress', { pct: 'ten' }, 's:2') +
        encodeEvent('result', { url: '/r' }, 's:3') +
        encodeEvent('done', { reason: 'stop' }, 's:4'),
    );
    const consumer = new SSEConsumer(server.url, { ...FAST, events: jobEvents });
    const seen: string[] = [];
    consumer.onProgress((data) => seen.push(`pct ${data.pct.toFixed(0)}`));
    consumer.on('result', (data) => seen.push(`url ${data.url}`));
    consumer.onError((e) => seen.push(`${e.type}: ${e.message}`));
    // @ts-expect-error: a misspelt event name is a type error.
    consumer.on('progres', () => {});
    // @ts-expect-error: `pct` is a number in this vocabulary (removed at once: a type check only).
    consumer.onProgress((data) => data.pct.toUpperCase())();
    const iterated: string[] = [];
    for await (const event of consumer) {
      if (event.event === 'progress') iterated.push(String(event.data.pct));
      else if (event.event === 'result') iterated.push(event.data.url);
      else iterated.push(event.event);
    }
    server.close();
    assert.deepEqual(seen, [
      'pct 10',
      'bad_event: event "progress" has invalid data: pct must be a number',
      'url /r',
    ]);
    assert.deepEqual(iterated, ['10', '/r', 'done']);
    assert.equal(consumer.state, 'done');
  });

  test('a type argument without the vocabulary is a type error (its data would meet the chat checks)', () => {
    // @ts-expect-error: `events` is required for a vocabulary of the app's own.
    new SSEConsumer<JobEvents>('http://127.0.0.1:9/');
    // @ts-expect-error: the same for a resume.
    SSEConsumer.resume<JobEvents>('http://127.0.0.1:9/', { streamId: 's', seq: 1 });
    const inferred = SSEConsumer.resume(
      'http://127.0.0.1:9/',
      { streamId: 's', seq: 1 },
      { events: jobEvents },
    );
    inferred.on('result', (data) => data.url.toLowerCase());
    const explicit = new SSEConsumer<JobEvents>('http://127.0.0.1:9/', { events: jobEvents });
    assert.equal(explicit.state, 'idle');
  });

  test('the chat vocabulary types its handlers too', () => {
    const consumer = new SSEConsumer('http://127.0.0.1:9/');
    consumer.on('metadata', (data) => data.tokens_used.toFixed());
    // @ts-expect-error: not an event of the chat vocabulary.
    consumer.on('progres', () => {});
    consumer.onError((error) => {
      // @ts-expect-error: StreamError.type is a literal union: a misspelt type is a type error.
      if (error.type === 'rate_limted') return;
      if (error.type === 'rate_limited' || error.type === 'event_too_large' || error.type === 'http_418')
        return;
    });
  });
});

describe('the bound on one event', () => {
  test('an event past maxEventSize fails the consumer once, finally: no retry into the same event', async () => {
    const server = await streaming(`id: s:1\nevent: delta\ndata: {"text":"${'x'.repeat(5000)}"}\n\n`);
    const errors: StreamError[] = [];
    const consumer = new SSEConsumer(server.url, {
      ...FAST,
      maxEventSize: 1000,
      onError: (e) => errors.push(e),
    });
    await consumer.connect();
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.equal(server.requests(), 1);
    assert.deepEqual(
      errors.map((e) => [e.type, e.retrying, e.status]),
      [['event_too_large', false, undefined]],
    );
    assert.match(errors[0]!.message, /larger than 1000 characters \(maxEventSize\)/);
    assert.ok(TidewireError.isInstance(errors[0]), 'a TidewireError');
  });

  test('by default an event is bounded at 1 Mi characters, even one line that never ends', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    let written = 0;
    const server = await tinyServer(async (req, res) => {
      sseHead(res).write('id: s:1\nevent: delta\ndata: ');
      // At most 2 MiB, then the connection is left open: the consumer must stop by itself.
      for (let i = 0; i < 32 && !req.socket.destroyed; i++) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        written += chunk.length;
      }
    });
    const consumer = new SSEConsumer(`${server.url}/api/v1/stream/chat`, { ...FAST, body: { q: 'big' } });
    const errors: string[] = [];
    consumer.onError((e) => errors.push(e.type));
    await consumer.connect();
    server.close();
    assert.deepEqual(errors, ['event_too_large']);
    assert.equal(server.requests(), 1);
    assert.ok(written > 1024 * 1024, `the server wrote ${written} characters`);
  });

  test('an event under the bound is read whole', async () => {
    const text = 'z'.repeat(900);
    const server = await streaming(delta(text, 1) + done(2));
    const consumer = new SSEConsumer(server.url, { ...FAST, maxEventSize: 1000 });
    await consumer.connect();
    server.close();
    assert.equal(consumer.text, text);
  });
});
