/**
 * `HEAD` on the stream routes: the status and headers a `GET` would get (auth, a checked
 * question and model, a stream that exists and is the user's), at once and with no body.
 * It never starts a generation or attaches a reader: a `GET` here bills an answer or holds a
 * connection, and a `HEAD` (a monitor, a link checker, a proxy probe) must do neither.
 * Registered before the stream routes, which Hono would otherwise run for `HEAD` as `GET`.
 * @module
 */
import { type StreamEngine, sseHeaders } from '@tidewire/server';
import type { Context, Hono, Next } from 'hono';
import { notFound } from '../errors.ts';
import type { AppEnv, StreamServices } from '../services.ts';
import { modelOf, readChatInput } from './chat-input.ts';
import { lastEventIdOf, streamPathPoint } from './resume-point.ts';

/** 404 `stream_not_found`, as a GET would answer, unless the stream exists and is the user's. */
async function ownStream(c: Context<AppEnv>, engine: StreamEngine, streamId: string): Promise<void> {
  const info = await engine.store.info(streamId);
  if (!info || info.userId !== c.get('user'))
    throw notFound('stream_not_found', `stream ${streamId} is unknown or has expired`);
}

export function headRoutes(
  app: Hono<AppEnv>,
  services: Pick<StreamServices, 'engine' | 'models' | 'config'>,
): void {
  const { engine, models, config } = services;
  // No `Connection` header: Node sets it from the request (HTTP/2 forbids it anyway).
  const answer = (c: Context<AppEnv>) => c.body(null, 200, sseHeaders(false));
  const onlyHead =
    (check: (c: Context<AppEnv>) => Promise<void>) =>
    async (c: Context<AppEnv>, next: Next): Promise<Response | undefined> => {
      if (c.req.method !== 'HEAD') {
        await next();
        return undefined;
      }
      await check(c);
      return answer(c);
    };

  app.use(
    '/api/v1/stream/chat',
    onlyHead(async (c) => {
      const point = lastEventIdOf(c);
      if (point) {
        await ownStream(c, engine, point.streamId);
        return;
      }
      modelOf(models, await readChatInput(c, config.MAX_QUESTION_LENGTH));
    }),
  );
  app.use(
    '/api/v1/streams/:id',
    onlyHead(async (c) => {
      await ownStream(c, engine, streamPathPoint(c, c.req.param('id') ?? '').streamId);
    }),
  );
}
