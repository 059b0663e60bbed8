/**
 * The stream endpoints: start a chat stream (GET/POST, and the seed's admin POST), resume
 * one (`Last-Event-ID`, `last_event_id`, `/streams/:id?after=`), and cancel one. A request
 * that names a resume point never starts a generation: that would bill a second answer. A
 * start may name the stream it asks for (`Idempotency-Key` or `stream_id`): sent again (its
 * connection was cut before the client saw an event), it is attached to that stream from its
 * first event. Starting and resuming themselves are chat-starter.ts, shared with the WebSocket route.
 * @module
 */
import type { ResumePoint } from '@tidewire/server';
import type { Context, Hono } from 'hono';
import type { AppEnv, StreamServices } from '../services.ts';
import { readChatInput } from './chat-input.ts';
import { type ChatStarter, callerOf, createChatStarter, type Opened } from './chat-starter.ts';
import { openOwn, resumePointIn } from './resume-point.ts';

export function streamRoutes(
  app: Hono<AppEnv>,
  services: StreamServices,
  starter: ChatStarter = createChatStarter(services),
): void {
  const { engine, config } = services;

  /** Sends an opened stream as this request's SSE response, logging with its id. */
  function respond(c: Context<AppEnv>, { reader, leave, log }: Opened): Response {
    c.set('log', log);
    return services.respondSSE(c, reader, leave);
  }

  const resume = async (c: Context<AppEnv>, point: ResumePoint) =>
    respond(c, await starter.resume(callerOf(c, config.TRUST_PROXY), point));

  /** Starts in progress here by key: a start sent again meanwhile waits for the first. */
  const starting = new Map<string, Promise<unknown>>();

  async function startChat(c: Context<AppEnv>): Promise<Response> {
    const point = resumePointIn(c);
    if (point) return resume(c, point);
    const input = await readChatInput(c, config.MAX_QUESTION_LENGTH);
    const caller = callerOf(c, config.TRUST_PROXY);
    const key = input.streamId;
    if (!key) return respond(c, await starter.start(caller, input));
    // Chained: a start sent again while the first still stores its question waits, then
    // attaches, instead of storing the question twice.
    const earlier = starting.get(key);
    const work = (async () => {
      await earlier?.catch(() => {});
      return starter.start(caller, input);
    })();
    starting.set(key, work);
    try {
      return respond(c, await work);
    } finally {
      if (starting.get(key) === work) starting.delete(key);
    }
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
