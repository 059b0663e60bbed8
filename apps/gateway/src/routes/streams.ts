/**
 * The stream endpoints: start a chat stream (GET/POST, and the seed's admin POST), resume
 * one (`Last-Event-ID`, `last_event_id`, `/streams/:id?after=`), and cancel one. A request
 * that names a resume point never starts a generation: that would bill a second answer. A
 * start may name the stream it asks for (`Idempotency-Key`): sent again (its connection was
 * cut before the client saw an event), it is attached to that stream from its first event.
 * @module
 */
import { type ResumePoint, TidewireError } from '@tidewire/server';
import { openOrThrow, resumePointOf } from '@tidewire/server/internal';
import type { Context, Hono } from 'hono';
import { ownedBy } from '../chat-engine.ts';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { runGeneration } from '../generation.ts';
import { clientIp, clientKey } from '../limits/client-key.ts';
import type { ModelProvider } from '../models/provider.ts';
import type { AppEnv, StreamServices } from '../services.ts';
import { type ChatInput, readChatInput } from './chat-input.ts';

/** A client-chosen stream id: long enough not to be guessed, and valid in event ids. */
const START_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** The stream a start request names with `Idempotency-Key`, or undefined when it names none. */
function startIdIn(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined || key === '') return undefined;
  if (!START_ID.test(key)) {
    throw badRequest(
      'bad_request',
      'invalid Idempotency-Key: 16 to 128 characters of A-Z a-z 0-9 _ - (e.g. a random UUID)',
    );
  }
  return key;
}

/** The resume point a request names (`Last-Event-ID`, `last_event_id`, or `:id` with `after`). */
const resumePointIn = (c: Context, streamId?: string) =>
  resumePointOf(new URL(c.req.url), c.req.header('last-event-id') ?? null, streamId);

export function streamRoutes(app: Hono<AppEnv>, services: StreamServices): void {
  const { engine, models, config, conversations } = services;

  /** Continues the named conversation (its earlier turns go to the model) or starts one. */
  async function openConversation(user: string | null, input: ChatInput) {
    if (!input.conversationId) {
      const conversationId = await conversations.create(user, input.question);
      await conversations.add(conversationId, input.messages);
      return { conversationId, messages: input.messages };
    }
    const found = await conversations.find(user, input.conversationId);
    if (!found) throw notFound('conversation_not_found', `conversation ${input.conversationId} not found`);
    const history = await conversations.history(found.id);
    await conversations.add(found.id, input.messages);
    return { conversationId: found.id, messages: [...history, ...input.messages] };
  }

  /** Counts the connection against its IP (429 past the bound) until it closes. */
  function enterConnection(c: Context<AppEnv>): () => void {
    try {
      return services.connections.enter(clientIp(c, config.TRUST_PROXY));
    } catch (error) {
      services.metrics.limitHit('connections');
      throw error;
    }
  }

  async function resume(c: Context<AppEnv>, point: ResumePoint): Promise<Response> {
    const { reader } = await openOrThrow(engine, point, ownedBy(c.get('user')));
    const leave = enterConnection(c);
    c.set('log', c.var.log.child({ stream: point.streamId }));
    c.var.log.info({ after: point.afterSeq }, 'stream resumed');
    return services.respondSSE(c, reader, leave);
  }

  /** Admits a new stream under the rate and concurrency limits; returns the slot's release. */
  async function admit(c: Context<AppEnv>): Promise<() => void> {
    try {
      return await services.limits.admit(clientKey(c, config.TRUST_PROXY));
    } catch (error) {
      if (error instanceof ApiError)
        services.metrics.limitHit(error.type === 'rate_limited' ? 'rate' : 'streams');
      throw error;
    }
  }

  /**
   * A start whose `Idempotency-Key` names a stream that exists: the same user's retry is
   * attached to it from its first event (never a second generation); another user's key is
   * a conflict. Undefined when no such stream exists.
   */
  async function attachToStart(c: Context<AppEnv>, streamId: string): Promise<Response | undefined> {
    const opened = await engine.open({ streamId, afterSeq: 0 });
    if (opened.status === 'not_found') return undefined;
    if (!ownedBy(c.get('user'))(opened.info.meta)) {
      throw new ApiError(409, 'stream_exists', 'this Idempotency-Key is taken: send a new random one');
    }
    return resume(c, { streamId, afterSeq: 0 });
  }

  /** Starts in progress here by key: a start sent again meanwhile waits for the first. */
  const starting = new Map<string, Promise<unknown>>();

  async function startChat(c: Context<AppEnv>): Promise<Response> {
    const point = resumePointIn(c);
    if (point) return resume(c, point);
    const startId = startIdIn(c);
    if (!startId) return startNew(c);
    // Chained synchronously: a retry that arrives while the first start still stores its
    // question waits, then attaches, instead of storing the question twice.
    const earlier = starting.get(startId);
    const work = (async () => {
      await earlier?.catch(() => {});
      return (await attachToStart(c, startId)) ?? (await startNew(c, startId));
    })();
    starting.set(startId, work);
    try {
      return await work;
    } finally {
      if (starting.get(startId) === work) starting.delete(startId);
    }
  }

  async function startNew(c: Context<AppEnv>, startId?: string): Promise<Response> {
    const input = await readChatInput(c, config.MAX_QUESTION_LENGTH);
    const model = models.resolve(input.model);
    if (!model) {
      throw badRequest(
        'unknown_model',
        `unknown model "${input.model}"; available: ${models.names.join(', ')}`,
      );
    }
    const leave = enterConnection(c);
    let release: (() => void) | undefined;
    try {
      release = await admit(c);
      return await startStream(c, { input, model, streamId: startId }, release, leave);
    } catch (error) {
      release?.();
      leave();
      // Two starts with one key at once: the later one reads the stream the first started.
      const raced = startId && TidewireError.isInstance(error) && error.type === 'stream_exists';
      const attached = raced && (await attachToStart(c, startId));
      if (attached) return attached;
      throw error;
    }
  }

  async function startStream(
    c: Context<AppEnv>,
    { input, model, streamId }: { input: ChatInput; model: ModelProvider; streamId?: string },
    release: () => void,
    leave: () => void,
  ): Promise<Response> {
    const { conversationId, messages } = await openConversation(c.get('user'), input);
    const stream = await engine.start({
      meta: { model: model.name, conversationId, userId: c.get('user'), request: { messages } },
      id: streamId,
    });
    const recorder = await conversations.recordAnswer(conversationId, stream.id);
    const log = c.var.log.child({ stream: stream.id });
    c.set('log', log);
    log.info({ model: model.name, conversation: conversationId }, 'stream started');
    const generation = runGeneration({
      onFirstToken: (ms) => services.metrics.upstreamFirstToken(ms / 1000, model.name),
      stream,
      model,
      messages,
      conversationId,
      firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      recorder,
      log: c.var.log,
    });
    services.generations?.track(generation);
    void stream.finished.then(() => {
      release();
      log.info({ events: stream.lastSeq, ms: Date.now() - stream.info.createdAt }, 'stream ended');
    });
    return services.respondSSE(c, stream.reader(), leave);
  }

  app.get('/api/v1/stream/chat', startChat);
  app.post('/api/v1/stream/chat', startChat);
  app.post('/admin/api/chat/stream', startChat);

  app.get('/api/v1/streams/:id', (c) => resume(c, resumePointIn(c, c.req.param('id'))!));

  app.post('/api/v1/streams/:id/cancel', async (c) => {
    const streamId = c.req.param('id');
    await openOrThrow(engine, { streamId, afterSeq: 0 }, ownedBy(c.get('user')));
    const cancelled = await engine.cancel(streamId);
    return c.json({ stream_id: streamId, cancelled });
  });
}
