/**
 * Several gateway instances sharing one real Redis: any instance serves any resume, a cancel
 * reaches the owner from anywhere, a dead owner's generation (an answer, an image, a reading
 * aloud) is taken over seamlessly, and Redis going away gives clear errors and recovery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnGateway, startTestGateway } from '../../../testing/gateway.ts';
import { artifactBytes, audioOf, dataOf, jsonPost, over } from '../../../testing/media-streams.ts';
import { startPostgres, type TestPostgres } from '../../../testing/postgres.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { answerOf, type Collected, collectSSE } from '../../../testing/sse-client.ts';
import type { ImageProvider } from '../src/media/provider.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { ModelProvider } from '../src/models/provider.ts';
import { ModelRegistry } from '../src/models/registry.ts';
import type { Gateway } from '../src/server.ts';

let redis: TestRedis;
let postgres: TestPostgres;
let database: string;
let gateways: Gateway[] = [];
before(async () => {
  redis = await startRedis();
  postgres = await startPostgres();
  database = await postgres.createDatabase('tw_cluster');
  const env = {
    REDIS_URL: redis.url,
    DATABASE_URL: database,
    DEMO_TOKENS_PER_SEC: '150',
    STREAM_LEASE_MS: '400',
  };
  gateways = [];
  for (let i = 0; i < 3; i++) gateways.push(await startTestGateway(env));
});
after(async () => {
  for (const g of gateways) await g.shutdown();
  await redis.close();
  await postgres.close();
});

const ask = (url: string, q: string) => `${url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
const seqsOf = (events: { seq?: number }[]) => events.map((e) => e.seq);
const contiguous = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i + 1);

/** A gateway process on the cluster's Redis and database, to be killed mid-stream. */
const spawnOwner = (env: Record<string, string>) =>
  spawnGateway({ REDIS_URL: redis.url, DATABASE_URL: database, STREAM_LEASE_MS: '400', ...env });

/**
 * Reads the whole stream `first` was cut from on `heirUrl`: what `first` received comes back,
 * then `error {type: "generation_interrupted"}` and `done {reason: "error"}`.
 */
async function assertInterrupted(heirUrl: string, first: Collected): Promise<void> {
  const id = first.events[0]!.streamId!;
  const all = await collectSSE(`${heirUrl}/api/v1/streams/${id}?after=0`);
  assert.equal(
    all.raw.startsWith(first.raw.slice(0, first.raw.lastIndexOf('\n\n') + 2)),
    true,
    'what was written is replayed',
  );
  const [error, done] = all.events.slice(-2);
  assert.ok(error?.event === 'error' && error.data.type === 'generation_interrupted', JSON.stringify(error));
  assert.ok(done?.event === 'done' && done.data.reason === 'error');
}

describe('three instances on one Redis', () => {
  test('start on one, resume on another: the exact answer, no gap, no duplicate', async () => {
    const [a, b] = gateways;
    const q = 'start here, finish there';
    const first = await collectSSE(ask(a!.url, q), { until: (_, all) => all.length >= 5 });
    const last = first.events.at(-1)!;
    const rest = await collectSSE(ask(b!.url, 'not asked again'), {
      headers: { 'last-event-id': `${last.streamId}:${last.seq}` },
    });
    const all = [...first.events, ...rest.events];
    assert.deepEqual(seqsOf(all), contiguous(0, all.length));
    assert.equal(answerOf(all), demoAnswer(q));
    assert.equal(all.at(-1)?.event, 'done');
  });

  test('conversations are shared through PostgreSQL: start on one instance, continue on another, read on a third', async () => {
    const [a, b, c] = gateways;
    const first = await collectSSE(ask(a!.url, 'shared first'));
    const hello = first.events[0]!;
    assert.ok(hello.event === 'hello' && hello.data.conversation_id);
    const id = hello.data.conversation_id;
    await collectSSE(`${ask(b!.url, 'shared second')}&conversation_id=${id}`);
    const res = await fetch(`${c!.url}/api/v1/conversations/${id}`);
    const body = (await res.json()) as { messages: { role: string; content: string; complete: boolean }[] };
    assert.deepEqual(
      body.messages.map((m) => [m.role, m.complete]),
      [
        ['user', true],
        ['assistant', true],
        ['user', true],
        ['assistant', true],
      ],
    );
    assert.equal(body.messages[3]!.content, demoAnswer('shared second'));
  });

  test('a finished stream replays byte-identically from every instance', async () => {
    const [a, b, c] = gateways;
    const full = await collectSSE(ask(a!.url, 'replay anywhere'));
    const id = full.events[0]!.streamId!;
    for (const g of [a!, b!, c!]) {
      const again = await collectSSE(`${g.url}/api/v1/streams/${id}?after=0`);
      assert.equal(again.raw, full.raw);
    }
  });

  test('cancel sent to a third instance stops the generation on the owner', async () => {
    const [a, b, c] = gateways;
    const q = 'cancel me from elsewhere';
    const first = await collectSSE(ask(a!.url, q), { until: (e) => e.event === 'delta' });
    const id = first.events[0]!.streamId!;
    const res = await fetch(`${c!.url}/api/v1/streams/${id}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    const rest = await collectSSE(`${b!.url}/api/v1/streams/${id}?after=0`);
    const done = rest.events.at(-1)!;
    assert.ok(done.event === 'done' && done.data.reason === 'cancelled', JSON.stringify(done));
    assert.ok(answerOf(rest.events).length < demoAnswer(q).length);
  });
});

describe('takeover', () => {
  test('the owner dies mid-answer: another instance continues it seamlessly', async () => {
    const owner = await spawnOwner({ DEMO_TOKENS_PER_SEC: '60' });
    const q = 'survive a crash';
    const first = await collectSSE(ask(owner.url, q), { until: (_, all) => all.length >= 8 });
    owner.child.kill('SIGKILL');
    const last = first.events.at(-1)!;
    const rest = await collectSSE(`${gateways[1]!.url}/api/v1/streams/${last.streamId}?after=${last.seq}`);
    const all = [...first.events, ...rest.events];
    assert.deepEqual(seqsOf(all), contiguous(0, all.length), 'no gap, no duplicate');
    assert.equal(answerOf(all), demoAnswer(q), 'one seamless answer');
    const done = all.at(-1)!;
    assert.ok(done.event === 'done' && done.data.reason === 'stop');
    const hello = first.events[0]!;
    assert.ok(hello.event === 'hello');
    await new Promise((r) => setTimeout(r, 100));
    const stored = (await (
      await fetch(`${gateways[2]!.url}/api/v1/conversations/${hello.data.conversation_id}`)
    ).json()) as {
      messages: { content: string; complete: boolean }[];
    };
    assert.deepEqual(
      stored.messages.at(-1),
      { ...stored.messages.at(-1), content: demoAnswer(q), complete: true },
      'the taken-over answer is stored whole',
    );
    await owner.stop();
  });

  test('SIGTERM on the owner: clients are told to go, resume on another instance, and the answer completes', async () => {
    const owner = await spawnOwner({ DEMO_TOKENS_PER_SEC: '60', SHUTDOWN_GRACE_MS: '300' });
    const q = 'restart under me';
    let stopping: Promise<number | null> | undefined;
    const first = await collectSSE(ask(owner.url, q), {
      until: (_, all) => {
        if (all.length === 6) stopping = owner.stop();
        return false;
      },
    });
    assert.equal(await stopping, 0, 'the owner exited cleanly');
    const last = first.events.at(-1)!;
    assert.notEqual(last.event, 'done', 'the connection was ended before the answer finished');
    const rest = await collectSSE(`${gateways[0]!.url}/api/v1/streams/${last.streamId}?after=${last.seq}`);
    const all = [...first.events, ...rest.events];
    assert.deepEqual(seqsOf(all), contiguous(0, all.length));
    assert.equal(answerOf(all), demoAnswer(q));
  });

  test('a model that cannot continue: error generation_interrupted, and everything written stays replayable', async () => {
    const owner = await spawnOwner({ DEMO_TOKENS_PER_SEC: '60' });
    const heir = await startTestGateway({
      REDIS_URL: redis.url,
      DATABASE_URL: database,
      STREAM_LEASE_MS: '400',
    });
    const demo = heir.services.models.resolve('demo')!;
    const cannotContinue: ModelProvider = { name: 'demo', canContinue: false, stream: (r) => demo.stream(r) };
    heir.services.models = new ModelRegistry([cannotContinue]);
    for (const g of gateways) g.services.models = new ModelRegistry([cannotContinue]);
    try {
      const first = await collectSSE(ask(owner.url, 'no continuation'), {
        until: (_, all) => all.length >= 6,
      });
      owner.child.kill('SIGKILL');
      await assertInterrupted(heir.url, first);
    } finally {
      for (const g of gateways) g.services.models = new ModelRegistry([demo]);
      await heir.shutdown();
      await owner.stop();
    }
  });
});

describe('takeover of media streams', () => {
  /** The events after `hello`, without artifact URLs (they name the stream). */
  const shape = (events: Collected['events']) =>
    events.slice(1).map(({ event, data }) => ({ event, data: { ...(data as object), url: undefined } }));

  /**
   * Starts `path` with `body` on an owner (images paced), SIGKILLs it once `cutWhen` holds, and
   * resumes on another instance by the last event id; also runs it uncut on a third.
   */
  async function killedMidStream(path: string, body: object, cutWhen: (all: Collected['events']) => boolean) {
    const owner = await spawnOwner({ DEMO_IMAGE_STEP_MS: '300' });
    try {
      const uncut = await collectSSE(`${gateways[0]!.url}${path}`, jsonPost(body));
      const first = await collectSSE(`${owner.url}${path}`, {
        ...jsonPost(body),
        until: (_, all) => cutWhen(all),
      });
      owner.child.kill('SIGKILL');
      assert.equal(
        first.events.some((e) => e.event === 'done'),
        false,
        'cut before the end',
      );
      const last = first.events.at(-1)!;
      const rest = await collectSSE(`${gateways[1]!.url}/api/v1/streams/${last.streamId}`, {
        headers: { 'last-event-id': `${last.streamId}:${last.seq}` },
      });
      const all = [...first.events, ...rest.events];
      assert.deepEqual(seqsOf(all), contiguous(0, all.length), 'no gap, no duplicate');
      assert.deepEqual(shape(all), shape(uncut.events), 'the events of an uncut run');
      return { all, uncut: uncut.events };
    } finally {
      await owner.stop();
    }
  }

  test('the owner dies mid-image: another instance finishes it, the final image byte-identical to an uncut run', async () => {
    const { all, uncut } = await killedMidStream(
      '/api/v1/stream/image',
      { prompt: 'a lighthouse in a storm', size: '96x96' },
      (events) => dataOf(events, 'preview').length === 2,
    );
    const final = (events: Collected['events']) =>
      dataOf<{ url: string; final?: boolean }>(events, 'preview').at(-1)!;
    assert.equal(final(all).final, true);
    assert.deepEqual(
      await artifactBytes(over(gateways[2]!.url), final(all).url),
      await artifactBytes(over(gateways[0]!.url), final(uncut).url),
    );
    const done = all.at(-1)!;
    assert.ok(done.event === 'done' && done.data.reason === 'stop');
  });

  test('the owner dies mid-speech: another instance reads on from the next sentence, the audio byte-identical to an uncut run', async () => {
    const text =
      'The tide comes in at dawn. Boats leave the harbour. Gulls follow them out. By noon the water is calm. The boats return at dusk.';
    const { all, uncut } = await killedMidStream('/api/v1/stream/tts', { text }, (events) =>
      events.some((e) => e.event === 'audio'),
    );
    assert.deepEqual(
      dataOf<{ seq: number }>(all, 'audio').map((a) => a.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      await audioOf(over(gateways[2]!.url), all),
      await audioOf(over(gateways[0]!.url), uncut),
    );
  });

  test('an upstream image job cannot be continued: error generation_interrupted, then done', async () => {
    const owner = await spawnOwner({ DEMO_IMAGE_STEP_MS: '300' });
    const image = gateways.map((g) => g.services.media.image);
    const demo = image[0]!;
    const upstream: ImageProvider = {
      name: 'gpt-image-1',
      canContinue: false,
      generate: (request, signal) => demo.generate(request, signal),
    };
    for (const g of gateways) g.services.media = { ...g.services.media, image: upstream };
    try {
      const first = await collectSSE(`${owner.url}/api/v1/stream/image`, {
        ...jsonPost({ prompt: 'not continued' }),
        until: (_, all) => dataOf(all, 'preview').length === 1,
      });
      owner.child.kill('SIGKILL');
      await assertInterrupted(gateways[1]!.url, first);
    } finally {
      for (const [k, g] of gateways.entries()) g.services.media = { ...g.services.media, image: image[k]! };
      await owner.stop();
    }
  });
});

describe('Redis unavailable', () => {
  test('open streams end with an error event; new streams get a fast 503; after Redis returns, streams work again', async () => {
    const g = gateways[2]!;
    let killed: Promise<void> | undefined;
    const open = collectSSE(ask(g.url, 'open while redis dies'), {
      until: (e) => {
        if (e.event === 'delta') killed ??= redis.kill();
        return false;
      },
    });
    const { events } = await open;
    await killed;
    try {
      const [error, done] = events.slice(-2);
      assert.ok(error?.event === 'error' && error.data.type === 'service_unavailable', JSON.stringify(error));
      assert.ok(done?.event === 'done' && done.data.reason === 'error' && done.seq === undefined);
      const began = Date.now();
      const res = await fetch(ask(g.url, 'while redis is down'));
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'service_unavailable');
      assert.ok(Date.now() - began < 2000, 'fails fast');
    } finally {
      await redis.start();
    }
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(ask(g.url, 'after redis returned'), {
        signal: AbortSignal.timeout(5000),
      }).catch(() => undefined);
      ok = res?.status === 200;
      await res?.body?.cancel();
    }
    assert.ok(ok, 'recovered');
    const recovered = await collectSSE(ask(g.url, 'fully recovered'));
    assert.equal(answerOf(recovered.events), demoAnswer('fully recovered'));
  });
});
