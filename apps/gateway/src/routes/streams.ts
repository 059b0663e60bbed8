/**
 * The stream endpoints: start a chat stream (GET/POST, and the seed's admin POST), resume
 * one (`Last-Event-ID`, `last_event_id`, `/streams/:id?after=`), and cancel one. A request
 * that names a resume point never starts a generation: that would bill a second answer.
 * @module
 */
import type { EventId } from '@tidewire/protocol';
import type { Context, Hono } from 'hono';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { runGeneration } from '../generation.ts';
import { clientIp, clientKey } from '../limits/client-key.ts';
import type { ModelProvider } from '../models/provider.ts';
import type { AppEnv, StreamServices } from '../services.ts';
import type { StoredRequest } from '../takeover.ts';
import { type ChatInput, readChatInput } from './chat-input.ts';
import { lastEventIdOf, streamPathPoint } from './resume-point.ts';

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

  async function resume(c: Context<AppEnv>, point: EventId): Promise<Response> {
    const info = await engine.store.info(point.streamId);
    if (!info || info.userId !== c.get('user')) {
      throw notFound('stream_not_found', `stream ${point.streamId} is unknown or has expired`);
    }
    const leave = enterConnection(c);
    c.set('log', c.var.log.child({ stream: point.streamId }));
    c.var.log.info({ after: point.seq }, 'stream resumed');
    return services.respondSSE(c, info, point.seq, leave);
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

  async function startChat(c: Context<AppEnv>): Promise<Response> {
    const point = lastEventIdOf(c);
    if (point) return resume(c, point);
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
      return await startStream(c, input, model, release, leave);
    } catch (error) {
      release?.();
      leave();
      throw error;
    }
  }

  async function startStream(
    c: Context<AppEnv>,
    input: ChatInput,
    model: ModelProvider,
    release: () => void,
    leave: () => void,
  ): Promise<Response> {
    const { conversationId, messages } = await openConversation(c.get('user'), input);
    const stream = await engine.start({
      model: model.name,
      conversationId,
      userId: c.get('user'),
      request: { messages, tools: input.tools } satisfies StoredRequest,
    });
    const recorder = await conversations.recordAnswer(conversationId, stream.id);
    const log = c.var.log.child({ stream: stream.id });
    c.set('log', log);
    log.info({ model: model.name, conversation: conversationId }, 'stream started');
    void runGeneration({
      onFirstToken: (ms) => services.metrics.upstreamFirstToken(ms / 1000, model.name),
      stream,
      model,
      messages,
      tools: input.tools,
      conversationId,
      firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      recorder,
      log: c.var.log,
    });
    void stream.finished.then(() => {
      release();
      log.info({ events: stream.lastSeq, ms: Date.now() - stream.info.createdAt }, 'stream ended');
    });
    return services.respondSSE(c, stream.info, 0, leave);
  }

  app.get('/api/v1/stream/chat', startChat);
  app.post('/api/v1/stream/chat', startChat);
  app.post('/admin/api/chat/stream', startChat);

  app.get('/api/v1/streams/:id', (c) => resume(c, streamPathPoint(c, c.req.param('id'))));

  app.post('/api/v1/streams/:id/cancel', async (c) => {
    const streamId = c.req.param('id');
    const info = await engine.store.info(streamId);
    if (!info || info.userId !== c.get('user')) {
      throw notFound('stream_not_found', `stream ${streamId} is unknown or has expired`);
    }
    const cancelled = await engine.cancel(streamId);
    return c.json({ stream_id: streamId, cancelled });
  });
}
