/**
 * The lean OpenAI Chat Completions client (`OpenAIChatModel`) against a real loopback HTTP
 * server whose response the test writes by hand, a network chunk at a time: what it sends,
 * how the parts of one chunk come as one batch (an event split across chunks included), tool
 * calls whose arguments stream in pieces, reasoning, usage and finish reasons, and every way
 * an upstream fails (an error event, a stream without a finish, bad JSON, HTTP statuses with
 * their bodies and `Retry-After`, no server at all), the caller's abort closing the request.
 * One suite, run for each way the client sends its requests (`fetch`, and the Node server's
 * node:http): both must behave the same.
 * @module
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { OpenAIChatModel } from '../src/models/openai-chat-model.ts';
import { type PostBody, UpstreamHttpError } from '../src/models/post-json.ts';
import type { ModelBatch, ModelPart, ModelRequest } from '../src/models/provider.ts';
import { UpstreamError } from '../src/models/provider.ts';

const KEY = 'sk-unit-SECRET-77';

/** One request the server took: its body, headers, and the response the test writes. */
interface Exchange {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  res: ServerResponse;
  /** Resolves when the client closed the connection (or the response ended). */
  closed: Promise<void>;
}

/** A loopback server that hands each request to the test, in order. */
class HandWrittenUpstream {
  readonly #server: Server;
  readonly #waiting: ((exchange: Exchange) => void)[] = [];
  readonly #arrived: Exchange[] = [];
  url = '';

  constructor() {
    this.#server = createServer(async (req, res) => {
      let raw = '';
      for await (const piece of req) raw += piece;
      const closed = once(res, 'close').then(() => {});
      const exchange = { path: req.url ?? '', headers: req.headers, body: JSON.parse(raw), res, closed };
      const waiter = this.#waiting.shift();
      if (waiter) waiter(exchange);
      else this.#arrived.push(exchange);
    });
  }

  async start(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  /** The next request to arrive. */
  next(): Promise<Exchange> {
    const arrived = this.#arrived.shift();
    if (arrived) return Promise.resolve(arrived);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** How many requests arrived that no test took: a retry would be one. */
  get unclaimed(): number {
    return this.#arrived.length;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** A `chat.completion.chunk` event with `choices[0]` set from `delta` and `finish`. */
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  event({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const usage = (prompt: number, completion: number) =>
  event({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion } });
const DONE = 'data: [DONE]\n\n';

const startStream = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
};

/** Registers the suite: the client sends its requests with `post`. */
export function chatClientSuite(post: PostBody): void {
  let upstream: HandWrittenUpstream;
  before(async () => {
    upstream = new HandWrittenUpstream();
    await upstream.start();
  });
  after(() => upstream.close());

  function model(options: { continueFinalMessage?: boolean; maxTokens?: number } = {}) {
    return new OpenAIChatModel('unit-model', {
      baseUrl: `${upstream.url}/v1/`,
      apiKey: KEY,
      idleTimeoutMs: 60_000,
      continueFinalMessage: options.continueFinalMessage ?? false,
      maxTokens: options.maxTokens,
      post,
    });
  }

  const QUESTION: ModelRequest['messages'] = [{ role: 'user', content: 'Hi' }];

  /**
   * Starts an answer to `QUESTION` and reads its batches one at a time: the test writes a chunk,
   * then takes the batch it made.
   */
  async function open(request: Partial<ModelRequest> = {}, options?: Parameters<typeof model>[0]) {
    const batches = model(options)
      .batches({ messages: QUESTION, signal: new AbortController().signal, ...request })
      [Symbol.asyncIterator]();
    const first = batches.next();
    first.catch(() => {}); // a failure is the test's to see, through `take`
    const exchange = await upstream.next();
    let pending: Promise<IteratorResult<ModelBatch>> | undefined = first;
    const take = async (): Promise<ModelBatch | undefined> => {
      const result = await (pending ?? batches.next());
      pending = undefined;
      return result.done ? undefined : result.value;
    };
    return { exchange, take, batches };
  }

  /** Every batch of an answer whose whole response is `frames` (one write each), or its error. */
  async function answer(frames: string[]): Promise<{ batches: ModelBatch[]; error?: unknown }> {
    const { exchange, take } = await open();
    startStream(exchange.res);
    for (const frame of frames) exchange.res.write(frame);
    exchange.res.end();
    const seen: ModelBatch[] = [];
    try {
      for (let batch = await take(); batch; batch = await take()) seen.push(batch);
      return { batches: seen };
    } catch (error) {
      return { batches: seen, error };
    }
  }

  const partsOf = (batches: ModelBatch[]): ModelPart[] => batches.flat();

  function assertUpstreamError(
    error: unknown,
    type: string,
    message?: RegExp,
  ): asserts error is UpstreamError {
    assert.ok(error instanceof UpstreamError, `an UpstreamError, got ${String(error)}`);
    assert.equal(error.type, type);
    if (message) assert.match(error.message, message);
    assert.ok(!error.message.includes(KEY), 'the key is not in the message');
  }

  describe('the request', () => {
    test('POST {base}/chat/completions with the key, the messages, tools and usage asked for', async () => {
      const messages: ModelRequest['messages'] = [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tides?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'tides', arguments: '{"city":"Brest"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"high":"06:12"}' },
        { role: 'assistant', content: 'High tide at 06:12.' },
        { role: 'user', content: 'Thanks' },
      ];
      const tools = [
        {
          type: 'function' as const,
          function: { name: 'tides', parameters: { type: 'object', properties: {} } },
        },
        { type: 'function' as const, function: { name: 'now', description: 'The time.' } },
      ];
      const { exchange } = await open({ messages, tools }, { maxTokens: 99 });
      exchange.res.writeHead(500).end();
      assert.equal(exchange.path, '/v1/chat/completions');
      assert.equal(exchange.headers.authorization, `Bearer ${KEY}`);
      assert.equal(exchange.headers['content-type'], 'application/json');
      assert.deepEqual(exchange.body, {
        model: 'unit-model',
        max_tokens: 99,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Tides?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'tides', arguments: '{"city":"Brest"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"high":"06:12"}' },
          { role: 'assistant', content: 'High tide at 06:12.' },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [
          { type: 'function', function: { name: 'tides', parameters: { type: 'object', properties: {} } } },
          {
            type: 'function',
            function: {
              name: 'now',
              description: 'The time.',
              parameters: { type: 'object', properties: {} },
            },
          },
        ],
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    test('a call whose arguments are empty or not JSON is still sent as JSON text', async () => {
      const call = (id: string, args: string) => ({
        id,
        type: 'function' as const,
        function: { name: 'f', arguments: args },
      });
      const messages: ModelRequest['messages'] = [
        { role: 'assistant', content: 'Let me see.', tool_calls: [call('a', ''), call('b', 'not json')] },
      ];
      const { exchange } = await open({ messages });
      exchange.res.writeHead(500).end();
      assert.deepEqual(exchange.body.messages, [
        { role: 'assistant', content: 'Let me see.', tool_calls: [call('a', '{}'), call('b', '"not json"')] },
      ]);
    });

    test('continuing a partial answer: a final assistant message and continue_final_message, when the server knows it', async () => {
      const continuing = await open({ continueFrom: 'The answer is ' }, { continueFinalMessage: true });
      continuing.exchange.res.writeHead(500).end();
      assert.equal(continuing.exchange.body.continue_final_message, true);
      assert.equal(continuing.exchange.body.add_generation_prompt, false);
      assert.deepEqual((continuing.exchange.body.messages as unknown[]).at(-1), {
        role: 'assistant',
        content: 'The answer is ',
      });
      const plain = await open({ continueFrom: 'The answer is ' });
      plain.exchange.res.writeHead(500).end();
      assert.equal('continue_final_message' in plain.exchange.body, false, 'a server that does not know it');
      assert.equal((plain.exchange.body.messages as unknown[]).length, 1);
    });
  });

  describe('batches: the parts of one network chunk', () => {
    test('several events in one chunk are one batch; an event split across chunks comes whole with the next', async () => {
      const { exchange, take } = await open();
      startStream(exchange.res);
      const split = chunk({ content: ' wörld' });
      const cut = split.indexOf('ö') + 1; // inside the JSON, and inside the two bytes of ö
      const bytes = Buffer.from(split);
      exchange.res.write(
        `: keep-alive\n\n${chunk({ role: 'assistant', content: '' })}${chunk({ content: 'Hello' })}`,
      );
      assert.deepEqual(await take(), [{ type: 'text', text: 'Hello' }]);
      exchange.res.write(Buffer.concat([Buffer.from(chunk({ content: ',' })), bytes.subarray(0, cut)]));
      assert.deepEqual(await take(), [{ type: 'text', text: ',' }], 'the half event waits for its end');
      exchange.res.write(Buffer.concat([bytes.subarray(cut), Buffer.from(chunk({ content: '!' }))]));
      assert.deepEqual(await take(), [
        { type: 'text', text: ' wörld' },
        { type: 'text', text: '!' },
      ]);
      exchange.res.end(`${chunk({}, 'stop')}${usage(5, 3)}${DONE}`);
      assert.deepEqual(await take(), [
        { type: 'finish', reason: 'stop', usage: { outputTokens: 3, inputTokens: 5 } },
      ]);
      assert.equal(await take(), undefined);
    });

    test('stream() hands over the same parts one at a time', async () => {
      const parts: ModelPart[] = [];
      const reading = (async () => {
        for await (const part of model().stream({ messages: QUESTION, signal: new AbortController().signal }))
          parts.push(part);
      })();
      const { res } = await upstream.next();
      startStream(res);
      res.end(`${chunk({ content: 'a' })}${chunk({ content: 'b' })}${chunk({}, 'stop')}${DONE}`);
      await reading;
      assert.deepEqual(parts, [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
        { type: 'finish', reason: 'stop', usage: { outputTokens: undefined, inputTokens: undefined } },
      ]);
    });
  });

  describe('what the stream says', () => {
    test('reasoning from reasoning_content or reasoning, then text', async () => {
      const { batches } = await answer([
        chunk({ content: null, reasoning_content: 'Think' }),
        chunk({ reasoning: 'ing.' }),
        chunk({ content: 'Done.' }),
        chunk({}, 'stop'),
        DONE,
      ]);
      assert.deepEqual(partsOf(batches).slice(0, 3), [
        { type: 'reasoning', text: 'Think' },
        { type: 'reasoning', text: 'ing.' },
        { type: 'text', text: 'Done.' },
      ]);
    });

    test("a tool call's arguments stream in pieces, then the whole call with its parsed input; finish tool_calls", async () => {
      const piece = (fields: Record<string, unknown>) => chunk({ tool_calls: [{ index: 0, ...fields }] });
      const { batches } = await answer([
        piece({ id: 'call_7', type: 'function', function: { name: 'tides', arguments: '' } }),
        piece({ function: { arguments: '{"city":' } }),
        piece({ function: { arguments: '"Brest"}' } }),
        chunk({}, 'tool_calls'),
        usage(10, 4),
        DONE,
      ]);
      assert.deepEqual(partsOf(batches), [
        { type: 'tool-input-delta', id: 'call_7', name: 'tides', text: '{"city":' },
        { type: 'tool-input-delta', id: 'call_7', name: 'tides', text: '"Brest"}' },
        { type: 'tool-call', id: 'call_7', name: 'tides', input: { city: 'Brest' } },
        { type: 'finish', reason: 'tool_calls', usage: { outputTokens: 4, inputTokens: 10 } },
      ]);
    });

    test('two calls by index; arguments sent before a name wait for it; a call without an id gets one', async () => {
      const { batches } = await answer([
        chunk({ tool_calls: [{ index: 0, id: 'a', function: { arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { name: 'first', arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { name: 'second', arguments: '' } }] }),
        chunk({}, 'tool_calls'),
        DONE,
      ]);
      const parts = partsOf(batches);
      assert.deepEqual(parts.slice(0, 2), [
        { type: 'tool-input-delta', id: 'a', name: 'first', text: '{"x":1}' },
        { type: 'tool-call', id: 'a', name: 'first', input: { x: 1 } },
      ]);
      const second = parts[2];
      assert.ok(second?.type === 'tool-call' && second.name === 'second' && /^call_/.test(second.id));
      assert.deepEqual(second.input, {}, 'no arguments: an empty input');
    });

    test('finish reasons: length; content_filter and unknown reasons end as stop', async () => {
      for (const [raw, reason] of [
        ['length', 'length'],
        ['content_filter', 'stop'],
        ['something_new', 'stop'],
      ]) {
        const { batches } = await answer([chunk({ content: 'x' }), chunk({}, raw), DONE]);
        const usage = { outputTokens: undefined, inputTokens: undefined };
        assert.deepEqual(partsOf(batches).at(-1), { type: 'finish', reason, usage }, raw);
      }
    });
  });

  describe('failures', () => {
    test('a stream that ends without a finish reason: upstream_error, after the text it sent', async () => {
      const { batches, error } = await answer([chunk({ content: 'Half' }), DONE]);
      assert.deepEqual(partsOf(batches), [{ type: 'text', text: 'Half' }]);
      assertUpstreamError(error, 'upstream_error', /ended before the answer finished/);
    });

    test('a connection cut mid-answer: upstream_error, after the text it sent', async () => {
      const { exchange, take } = await open();
      startStream(exchange.res);
      exchange.res.write(chunk({ content: 'Half' }));
      assert.deepEqual(await take(), [{ type: 'text', text: 'Half' }]);
      exchange.res.destroy();
      const error = await take().then(
        () => assert.fail('no error'),
        (e: unknown) => e,
      );
      assertUpstreamError(error, 'upstream_error', /broke off mid-answer/);
    });

    test('an error event mid-stream: upstream_error naming its type and message; the parts before it go out', async () => {
      const { batches, error } = await answer([
        `${chunk({ content: 'a' })}${event({ error: { message: 'overloaded', type: 'server_error' } })}${chunk({ content: 'never' })}`,
      ]);
      assert.deepEqual(partsOf(batches), [{ type: 'text', text: 'a' }]);
      assertUpstreamError(error, 'upstream_error', /server_error: overloaded/);
    });

    test('an event that is not JSON, or not a chunk: upstream_error', async () => {
      const notJson = await answer([chunk({ content: 'a' }), 'data: {"choices": [\n\n']);
      assert.deepEqual(partsOf(notJson.batches), [{ type: 'text', text: 'a' }]);
      assertUpstreamError(notJson.error, 'upstream_error', /not JSON/);
      const notChunk = await answer([event({ choices: 'many' })]);
      assertUpstreamError(notChunk.error, 'upstream_error', /not a completion chunk/);
    });

    test('a tool call that never gets a name: upstream_error', async () => {
      const { error } = await answer([
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]);
      assertUpstreamError(error, 'upstream_error', /tool call without a name/);
    });

    const statuses: [number, string, string | undefined, number | undefined][] = [
      [401, 'upstream_auth', undefined, undefined],
      [403, 'upstream_auth', undefined, undefined],
      [429, 'upstream_rate_limited', '7', 7],
      [429, 'upstream_rate_limited', 'Wed, 21 Oct 2026 07:28:00 GMT', undefined],
      [408, 'upstream_timeout', undefined, undefined],
      [504, 'upstream_timeout', undefined, undefined],
      [500, 'upstream_error', undefined, undefined],
      [404, 'upstream_error', undefined, undefined],
    ];
    for (const [status, type, retryAfter, seconds] of statuses) {
      test(`HTTP ${status}${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}: ${type}, its body kept as the cause`, async () => {
        const { exchange, take } = await open();
        const body = JSON.stringify({ error: { message: `no (${status})`, type: 'invalid_request_error' } });
        exchange.res.writeHead(status, {
          'content-type': 'application/json',
          ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        });
        exchange.res.end(body);
        const error = await take().then(
          () => assert.fail('no error'),
          (e: unknown) => e,
        );
        assertUpstreamError(error, type, new RegExp(`HTTP ${status}`));
        assert.equal(error.retryAfterSeconds, seconds);
        assert.ok(error.cause instanceof UpstreamHttpError);
        assert.equal(error.cause.status, status);
        assert.equal(error.cause.body, body);
      });
    }

    test('no server at all: upstream_unavailable', async () => {
      const dead = new OpenAIChatModel('m', {
        baseUrl: 'http://127.0.0.1:1/v1',
        idleTimeoutMs: 1000,
        continueFinalMessage: false,
        post,
      });
      const batches = dead.batches({ messages: QUESTION, signal: new AbortController().signal });
      await assert.rejects(
        async () => {
          for await (const _ of batches);
        },
        (error: unknown) => error instanceof UpstreamError && error.type === 'upstream_unavailable',
      );
    });
  });

  describe("the caller's abort", () => {
    test('mid-answer: the parts end quietly and the upstream connection closes', async () => {
      const stop = new AbortController();
      const { exchange, take } = await open({ signal: stop.signal });
      startStream(exchange.res);
      exchange.res.write(chunk({ content: 'a' }));
      assert.deepEqual(await take(), [{ type: 'text', text: 'a' }]);
      const next = take();
      stop.abort();
      assert.equal(await next, undefined, 'no error, no more parts');
      await exchange.closed;
      assert.equal(exchange.res.writableFinished, false, 'the connection closed before the answer ended');
    });

    test('a reader that stops taking batches closes the upstream connection too', async () => {
      const { exchange, take, batches } = await open();
      startStream(exchange.res);
      exchange.res.write(chunk({ content: 'a' }));
      await take();
      await batches.return?.();
      await exchange.closed;
      assert.equal(exchange.res.writableFinished, false);
    });

    test('before the request: nothing is sent', async () => {
      const stop = new AbortController();
      stop.abort();
      const batches = model().batches({ messages: QUESTION, signal: stop.signal })[Symbol.asyncIterator]();
      assert.equal((await batches.next()).done, true);
    });
  });

  test("no request was ever sent twice (no retries, even after a 5xx or a cut): each one was a test's own", () => {
    assert.equal(upstream.unclaimed, 0);
  });
}
