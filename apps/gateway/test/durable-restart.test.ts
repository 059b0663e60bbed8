/**
 * A restart loses no answer (`STREAM_STORE=durable`): a real gateway process is killed
 * (SIGKILL) or stopped (SIGTERM) mid-answer and started again on the same data directory and
 * port. The client (`SSEConsumer`, reconnecting on its own) gets the whole answer, identical
 * to an uncut run of the same question, and the wire carries every event id exactly once.
 * Bad settings stop the start with a message naming the variable; with `REDIS_URL` the
 * setting is ignored.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createParser } from '@tidewire/protocol';
import { RedisStreamStore } from '@tidewire/server/redis';
import { SSEConsumer } from '../../../packages/client/src/index.ts';
import { killAndWait, spawnDurableGateway } from '../../../testing/durable-gateway.ts';
import { type SpawnedServer, startTestGateway } from '../../../testing/gateway.ts';
import { freePort } from '../../../testing/ports.ts';
import { startRedis } from '../../../testing/redis.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { StartupError } from '../src/startup-checks.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidewire-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Paced so an answer lasts several seconds. */
const PACED = { DEMO_TOKENS_PER_SEC: '30' };

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

/** Asks `question`, and calls `cut` once a few deltas have arrived; resolves with what was received. */
async function askThroughRestart(port: number, question: string, cut: () => Promise<void>) {
  const bodies: Promise<string>[] = [];
  let deltas = 0;
  let cutting: Promise<void> | undefined;
  let done: string | undefined;
  let conversation: string | undefined;
  const consumer = new SSEConsumer(`http://127.0.0.1:${port}/api/v1/stream/chat`, {
    body: { q: question },
    fetch: recordingFetch(bodies),
    reconnectDelay: 100,
    maxReconnectDelay: 300,
    maxReconnectAttempts: 100,
    onDelta: () => {
      if (++deltas === 5) cutting = cut();
    },
    onDone: (data) => {
      done = data.reason;
    },
    onConversation: ({ id }) => {
      conversation = id;
    },
  });
  await consumer.connect();
  await cutting;
  const raw = await Promise.all(bodies);
  return {
    text: consumer.text,
    done,
    conversation,
    state: consumer.state,
    connections: raw.length,
    seqs: seqsOnWire(raw),
  };
}

async function uncut(question: string): Promise<string> {
  const port = await freePort();
  const server = await spawnDurableGateway(mkdtempSync(join(dir, 'uncut-')), port, {
    DEMO_TOKENS_PER_SEC: '0',
  });
  const { events } = await collectSSE(`${server.url}/api/v1/stream/chat?q=${encodeURIComponent(question)}`);
  await server.stop();
  return answerOf(events);
}

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  test(`${signal} mid-answer, then a start on the same data: the client gets the whole answer, every event once`, async () => {
    const question = `what survives a ${signal}?`;
    const reference = await uncut(question);
    const data = mkdtempSync(join(dir, `${signal}-`));
    const port = await freePort();
    let first: SpawnedServer | undefined = await spawnDurableGateway(data, port, {
      ...PACED,
      SHUTDOWN_GRACE_MS: '200',
    });
    let second: SpawnedServer | undefined;
    try {
      const got = await askThroughRestart(port, question, async () => {
        await killAndWait(first!, signal);
        first = undefined;
        second = await spawnDurableGateway(data, port, PACED);
      });
      assert.equal(got.state, 'done');
      assert.equal(got.done, 'stop');
      assert.equal(got.text, reference, 'the whole answer, byte for byte');
      assert.deepEqual(
        got.seqs,
        Array.from({ length: got.seqs.length }, (_, k) => k + 1),
        'every event id once, in order',
      );
      assert.ok(second && got.connections >= 2, 'the answer was finished by the second process');
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
    } finally {
      await first?.stop();
      await second?.stop();
    }
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
