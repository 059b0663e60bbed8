/**
 * The Web handler set: `start`, `resume` and `cancel` as `Request → Response` functions, for
 * Next.js route handlers, Hono, Cloudflare Workers and Vercel. The app says what a start means
 * (its `meta` and the work that feeds the stream); the handlers do the rest: a request naming
 * a resume point never starts a second generation, unknown or foreign streams are a 404, and
 * errors are the contract's JSON body.
 * @module
 */
import { type EventMap, errorBody, TidewireError } from '@tidewire/protocol';
import type { StreamEngine } from './engine.ts';
import { type ResumePoint, resumePoint } from './resume-point.ts';
import type { Stream } from './stream.ts';
import { sseResponse } from './web-response.ts';

/** What a start request carries, parsed. */
export interface StartRequest {
  /** The JSON body of a POST (undefined for GET). */
  body: unknown;
  url: URL;
  headers: Headers;
}

/** How the app starts a stream: its `meta`, optionally a client-chosen `id`, and the work. */
export interface StartPlan<E extends EventMap, M> {
  meta: M;
  id?: string;
  /** Feeds the stream; it runs on after the response ends. A stream it leaves open is ended. */
  run(stream: Stream<E, M>): Promise<void> | void;
}

export interface HandlerOptions<E extends EventMap, M, Req> {
  /** Plans a start, or refuses it with an error (`TidewireError` with a `status`). */
  start(request: StartRequest, raw: Req): Promise<StartPlan<E, M>> | StartPlan<E, M>;
  /** Whether this request may read or cancel a stream with this `meta` (default: anyone). */
  authorize?(meta: M, raw: Req): boolean | Promise<boolean>;
  /**
   * Keeps the platform running the work after the response ends (`ctx.waitUntil` on
   * Workers, `after` / `waitUntil` on Vercel and Next.js).
   */
  waitUntil?(work: Promise<unknown>): void;
  /** Unsent bytes past which a connection is closed (the client resumes). Default 1 MiB. */
  maxUnsentBytes?: number;
}

export interface WebHandlers {
  start(request: Request): Promise<Response>;
  resume(request: Request, streamId?: string): Promise<Response>;
  cancel(request: Request, streamId: string): Promise<Response>;
}

/** Renders an error as the contract's JSON body; unknown failures are a 500 with no detail. */
export function errorResponse(error: unknown): Response {
  if (TidewireError.isInstance(error) && error.status) {
    return Response.json(errorBody(error.type as never, error.message), { status: error.status });
  }
  return Response.json(errorBody('internal_error', 'internal error'), { status: 500 });
}

/** Runs the app's work for a new stream: a throw fails the stream, a stream left open is ended. */
export function runPlan<E extends EventMap, M>(stream: Stream<E, M>, plan: StartPlan<E, M>): Promise<void> {
  return Promise.resolve()
    .then(() => plan.run(stream))
    .then(
      () => stream.end(),
      (error: unknown) => {
        const type = TidewireError.isInstance(error) ? error.type : 'internal_error';
        const message = TidewireError.isInstance(error) ? error.message : 'the stream failed';
        return stream.fail(type, message);
      },
    );
}

/** Opens a reader for a resume point, or throws the 404 a stranger or an expired id gets. */
export async function openOrThrow<E extends EventMap, M>(
  engine: StreamEngine<E, M>,
  point: ResumePoint,
  authorize: ((meta: M) => boolean | Promise<boolean>) | undefined,
) {
  const opened = await engine.open(point, { authorize });
  if (opened.status === 'not_found') {
    throw new TidewireError('stream_not_found', `stream ${point.streamId} is unknown or has expired`, {
      status: 404,
    });
  }
  return opened;
}

async function readJson(request: Request): Promise<unknown> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const text = await request.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TidewireError('invalid_json', 'the request body is not valid JSON', { status: 400 });
  }
}

export function createWebHandlers<E extends EventMap, M>(
  engine: StreamEngine<E, M>,
  options: HandlerOptions<E, M, Request>,
): WebHandlers {
  const authorizeFor = (request: Request) =>
    options.authorize ? (meta: M) => options.authorize!(meta, request) : undefined;
  const respond = (reader: Parameters<typeof sseResponse>[0], request: Request) =>
    sseResponse(reader, {
      maxUnsentBytes: options.maxUnsentBytes,
      signal: request.signal,
      headers: { 'X-Stream-Id': reader.info.streamId },
    });

  const resume = async (request: Request, streamId?: string): Promise<Response> => {
    try {
      const point = resumePoint(request, { streamId });
      if (!point) {
        throw new TidewireError('bad_request', 'no resume point: send Last-Event-ID or name a stream', {
          status: 400,
        });
      }
      const opened = await openOrThrow(engine, point, authorizeFor(request));
      return respond(opened.reader, request);
    } catch (error) {
      return errorResponse(error);
    }
  };

  return {
    resume,
    async start(request) {
      try {
        if (resumePoint(request)) return await resume(request);
        const url = new URL(request.url);
        const plan = await options.start(
          { body: await readJson(request), url, headers: request.headers },
          request,
        );
        const stream = await engine.start({ meta: plan.meta, id: plan.id });
        const work = runPlan(stream, plan);
        options.waitUntil?.(work);
        return respond(stream.reader(), request);
      } catch (error) {
        return errorResponse(error);
      }
    },
    async cancel(request, streamId) {
      try {
        await openOrThrow(engine, { streamId, afterSeq: 0 }, authorizeFor(request));
        const cancelled = await engine.cancel(streamId);
        return Response.json({ stream_id: streamId, cancelled });
      } catch (error) {
        return errorResponse(error);
      }
    },
  };
}
