/**
 * A restart loses no answer, image or reading aloud (`STREAM_STORE=durable`): a real gateway
 * process is killed (SIGKILL) or stopped (SIGTERM) mid-stream and started again on the same
 * data directory and port. The client (`SSEConsumer`, reconnecting on its own) gets the whole
 * stream, identical to an uncut run (the answer's text, the final image's bytes, the audio's
 * bytes), and the wire carries every event id exactly once.
 * Bad settings stop the start with a message naming the variable; with `REDIS_URL` the
 * setting is ignored.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createParser, type StreamEvent } from '@tidewire/protocol';
import { RedisStreamStore } from '@tidewire/server/redis';
import { SSEConsumer } from '../../../packages/client/src/index.ts';
import { killAndWait, spawnDurableGateway } from '../../../testing/durable-gateway.ts';
import { type SpawnedServer, startTestGateway } from '../../../testing/gateway.ts';
import {
  artifactBytes,
  audioOf,
  dataOf,
  jsonPost,
  over,
  type Requester,
} from '../../../testing/media-streams.ts';
import { freePort } from '../../../testing/ports.ts';
import { startRedis } from '../../../testing/redis.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { StartupError } from '../src/startup-checks.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidewire-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Paced so an answer, and an image, last several seconds. */
const PACED = { DEMO_TOKENS_PER_SEC: '30', DEMO_IMAGE_STEP_MS: '300' };

/** A fetch that also keeps the raw text of every stream response, to check the wire itself. */
function recordingFetch(bodies: Promise<string>[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.headers.get('content-type')?.startsWith('text/event-stream'))
      bodies.push(
        response
          .clone()
          .text()
          .catch(() => ''),
      );
    return response;
  };
}

/** Sequence numbers of the ids on the wire, over every connection, in order. */
function seqsOnWire(raw: string[]): number[] {
  const seqs: number[] = [];
  const parser = createParser({
    onEvent: (e) => {
      if (e.id) seqs.push(Number(e.id.slice(e.id.lastIndexOf(':') + 1)));
    },
  });
  for (const body of raw) {
    parser.reset();
    parser.feed(body);
  }
  return seqs;
}

/** A stream to start, and the event after whose `count`-th arrival the server is cut. */
interface Ask {
  path: string;
  body: object;
  cutAfter: 'delta' | 'preview' | 'audio';
  count: number;
  /**
   * `sse` for read aloud (as the page does): on `auto` a start names its stream with
   * `stream_id`, which the speech route reads as the chat answer to read.
   */
  transport?: 'sse';
}

/** Starts `ask`'s stream and calls `cut` at its cut point; resolves with what was received. */
async function askThroughRestart(port: number, ask: Ask, cut: () => Promise<void>) {
  const bodies: Promise<string>[] = [];
  let seen = 0;
  let cutting: Promise<void> | undefined;
  let done: string | undefined;
  let conversation: string | undefined;
  const previews: { url: string; final?: boolean }[] = [];
  const audio: { seq: number; url: string }[] = [];
  const consumer = new SSEConsumer(`http://127.0.0.1:${port}${ask.path}`, {
    body: ask.body,
    transport: ask.transport ?? 'auto',
    fetch: recordingFetch(bodies),
    reconnectDelay: 100,
    maxReconnectDelay: 300,
    maxReconnectAttempts: 100,
    onPreview: (data) => previews.push(data),
    onAudio: (data) => audio.push(data),
    onDone: (data) => {
      done = data.reason;
    },
    onConversation: ({ id }) => {
      conversation = id;
    },
  });
  consumer.on(ask.cutAfter, () => {
    if (++seen === ask.count) cutting = cut();
  });
  await consumer.connect();
  await cutting;
  const raw = await Promise.all(bodies);
  return {
    text: consumer.text,
    done,
    conversation,
    previews,
    audio,
    state: consumer.state,
    connections: raw.length,
    seqs: seqsOnWire(raw),
  };
}

type Received = Awaited<ReturnType<typeof askThroughRestart>>;

/**
 * Asks on a durable gateway, stops it with `signal` at the cut point and starts another on the
 * same data and port; checks that the client got the whole stream, every event id once, and
 * hands what it received to `check` (with the second server, which serves the rest).
 */
async function throughRestart(
  signal: NodeJS.Signals,
  ask: Ask,
  check: (got: Received, second: SpawnedServer) => Promise<void>,
): Promise<void> {
  const data = mkdtempSync(join(dir, `${signal}-`));
  const port = await freePort();
  let first: SpawnedServer | undefined = await spawnDurableGateway(data, port, {
    ...PACED,
    SHUTDOWN_GRACE_MS: '200',
  });
  let second: SpawnedServer | undefined;
  try {
    const got = await askThroughRestart(port, ask, async () => {
      await killAndWait(first!, signal);
      first = undefined;
      second = await spawnDurableGateway(data, port, PACED);
    });
    assert.equal(got.state, 'done');
    assert.equal(got.done, 'stop');
    assert.deepEqual(
      got.seqs,
      Array.from({ length: got.seqs.length }, (_, k) => k + 1),
      'every event id once, in order',
    );
    assert.ok(second && got.connections >= 2, 'the stream was finished by the second process');
    await check(got, second);
  } finally {
    await first?.stop();
    await second?.stop();
  }
}

/** The events of `ask` on an uncut run (in-process gateway, no pacing), and its server for the artifacts. */
async function uncut<T>(
  ask: Ask,
  read: (events: StreamEvent[], server: Requester) => Promise<T>,
): Promise<T> {
  const server = await startTestGateway({ DEMO_IMAGE_STEP_MS: '0' });
  try {
    const { events } = await collectSSE(`${server.url}${ask.path}`, jsonPost(ask.body));
    return await read(events, over(server.url));
  } finally {
    await server.shutdown();
  }
}

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`${signal} mid-answer, then a start on the same data: the client gets the whole answer, every event once`, async () => {
    const question = `what survives a ${signal}?`;
    const ask: Ask = { path: '/api/v1/stream/chat', body: { q: question }, cutAfter: 'delta', count: 5 };
    const reference = await uncut(ask, async (events) => answerOf(events));
    await throughRestart(signal, ask, async (got, second) => {
      assert.equal(got.text, reference, 'the whole answer, byte for byte');
      const stored = await (await fetch(`${second.url}/api/v1/conversations/${got.conversation}`)).json();
      assert.deepEqual(
        stored.messages.map((m: { role: string; content: string; complete: boolean }) => [
          m.role,
          m.content,
          m.complete,
        ]),
        [
          ['user', question, true],
          ['assistant', reference, true],
        ],
        'the conversation keeps the whole answer, complete',
      );
    });
  });

  test(`${signal} mid-image, then a start on the same data: every preview once, the final image byte-identical to an uncut run`, async () => {
    const ask: Ask = {
      path: '/api/v1/stream/image',
      body: { prompt: `a harbour after a ${signal}`, size: '96x96' },
      cutAfter: 'preview',
      count: 2,
    };
    const reference = await uncut(ask, (events, server) =>
      artifactBytes(server, dataOf<{ url: string }>(events, 'preview').at(-1)!.url),
    );
    await throughRestart(signal, ask, async (got, second) => {
      assert.equal(got.previews.length, 6, 'every refinement step once');
      assert.equal(got.previews.at(-1)?.final, true);
      assert.deepEqual(await artifactBytes(over(second.url), got.previews.at(-1)!.url), reference);
    });
  });

  test(`${signal} mid-speech, then a start on the same data: every sentence once, the audio byte-identical to an uncut run`, async () => {
    const ask: Ask = {
      path: '/api/v1/stream/tts',
      body: {
        text: `Read this through a ${signal}. The tide comes in. Boats leave the harbour. The water is calm.`,
      },
      cutAfter: 'audio',
      count: 1,
      transport: 'sse',
    };
    const reference = await uncut(ask, (events, server) => audioOf(server, events));
    await throughRestart(signal, ask, async (got, second) => {
      assert.deepEqual(
        got.audio.map((a) => a.seq),
        [1, 2, 3, 4],
        'every sentence once, in order',
      );
      const chunks = await Promise.all(got.audio.map((a) => artifactBytes(over(second.url), a.url)));
      assert.deepEqual(Buffer.concat(chunks), reference);
    });
  });
}

test('STREAM_STORE other than memory or durable stops the start, naming the variable', () => {
  assert.throws(
    () => loadConfig({ STREAM_STORE: 'disk' }),
    (error) => error instanceof ConfigError && /STREAM_STORE/.test(error.message),
  );
});

test('a second server on a stream file in use refuses to start, saying why', async () => {
  const env = { STREAM_STORE: 'durable', STREAM_STORE_PATH: join(dir, 'taken', 'streams.db') };
  const first = await startTestGateway(env);
  try {
    await assert.rejects(
      startTestGateway({ ...env, SHUTDOWN_GRACE_MS: '0' }),
      (error) =>
        error instanceof StartupError &&
        error.type === 'stream_log_unavailable' &&
        error.message.includes('STREAM_STORE_PATH=') &&
        /in use by another process/.test(error.message),
    );
  } finally {
    await first.shutdown();
  }
});

test('with REDIS_URL set, STREAM_STORE=durable is ignored: logs go to Redis, no stream file', async () => {
  const redis = await startRedis();
  const path = join(dir, 'ignored', 'streams.db');
  const gateway = await startTestGateway({
    REDIS_URL: redis.url,
    STREAM_STORE: 'durable',
    STREAM_STORE_PATH: path,
  });
  try {
    const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=where`);
    assert.equal(events.at(-1)?.event, 'done');
    assert.equal(existsSync(path), false, 'no stream file');
    const store = await RedisStreamStore.connect({ url: redis.url });
    assert.equal((await store.read(events[0]!.streamId!))?.ended, true, 'the log is in Redis');
    await store.close();
  } finally {
    await gateway.shutdown();
    await redis.close();
  }
});
