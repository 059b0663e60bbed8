/**
 * The stream endpoints: start a chat stream (GET/POST, and the seed's admin POST), resume
 * one (`Last-Event-ID`, `last_event_id`, `/streams/:id?after=`), and cancel one. A request
 * that names a resume point never starts a generation: that would bill a second answer.
 * @module
 */
import type { ResumePoint } from '@tidewire/server';
import type { Context, Hono } from 'hono';
import { type PlannedTurn, planTurn } from '../conversations/turn.ts';
import { ApiError, notFound } from '../errors.ts';
import { runGeneration } from '../generation.ts';
import { clientIp, clientKey } from '../limits/client-key.ts';
import type { AppEnv, StreamServices } from '../services.ts';
import { readChatInput } from './chat-input.ts';
import { openOwn, resumePointIn } from './resume-point.ts';

export function streamRoutes(app: Hono<AppEnv>, services: StreamServices): void {
  const { engine, models, config, conversations } = services;

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
    const { reader } = await openOwn(c, engine, point);
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

  async function startChat(c: Context<AppEnv>): Promise<Response> {
    const point = resumePointIn(c);
    if (point) return resume(c, point);
    const input = await readChatInput(c, config.MAX_QUESTION_LENGTH);
    const turn = await planTurn(conversations, models, c.get('user'), input);
    const leave = enterConnection(c);
    let release: (() => void) | undefined;
    try {
      release = await admit(c);
      return await startStream(c, turn, release, leave);
    } catch (error) {
      release?.();
      leave();
      throw error;
    }
  }

  async function startStream(
    c: Context<AppEnv>,
    { model, open }: PlannedTurn,
    release: () => void,
    leave: () => void,
  ): Promise<Response> {
    const { conversationId, messages, recordAnswer } = await open();
    const stream = await engine.start({
      meta: { model: model.name, conversationId, userId: c.get('user'), request: { messages } },
    });
    const recorder = await recordAnswer(stream.id);
    const log = c.var.log.child({ stream: stream.id });
    c.set('log', log);
    log.info({ model: model.name, conversation: conversationId }, 'stream started');
    void runGeneration({
      onFirstToken: (ms) => services.metrics.upstreamFirstToken(ms / 1000, model.name),
      stream,
      model,
      messages,
      conversationId,
      firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      recorder,
      log: c.var.log,
    });
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
    await openOwn(c, engine, { streamId, afterSeq: 0 });
    const cancelled = await engine.cancel(streamId);
    return c.json({ stream_id: streamId, cancelled });
  });
}
