/**
 * The Web handler set: `start`, `resume` and `cancel` as `Request → Response` functions, for
 * Next.js route handlers, Hono, Cloudflare Workers and Vercel. The app says what a start means
 * (its `meta` and the work that feeds the stream); the handlers do the rest: a request naming
 * a resume point never starts a second generation, a start naming its stream
 * (`Idempotency-Key`, as `@tidewire/client` sends) is attached to that stream when sent
 * again, unknown or foreign streams are a 404, and errors are the contract's JSON body.
 * @module
 */
import { type EventMap, errorBody, TidewireError } from '@tidewire/protocol';
import type { StreamEngine } from './engine.ts';
import type { StreamReader } from './reader.ts';
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

/** A client-chosen stream id: long enough not to be guessed, and valid in event ids. */
const START_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** The stream a start names with `Idempotency-Key` (checked), or undefined when none. */
export function idempotencyKey(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!START_KEY.test(value)) {
    throw new TidewireError(
      'bad_request',
      'invalid Idempotency-Key: 16 to 128 characters of A-Z a-z 0-9 _ - (e.g. a random UUID)',
      { status: 400 },
    );
  }
  return value;
}

/**
 * Starts the plan's stream under `key` (when given); a start sent again (or at the same
 * time) is attached to the stream the first one started, from its first event. Returns the
 * reader to send and, for a new stream, the stream to run the plan on.
 */
export async function startOnce<E extends EventMap, M>(
  engine: StreamEngine<E, M>,
  key: string | undefined,
  authorize: ((meta: M) => boolean | Promise<boolean>) | undefined,
  plan: () => Promise<StartPlan<E, M>>,
): Promise<{ reader: StreamReader<M>; started?: { stream: Stream<E, M>; plan: StartPlan<E, M> } }> {
  const again = key && (await attachStart(engine, key, authorize));
  if (again) return { reader: again };
  const planned = await plan();
  try {
    const stream = await engine.start({ meta: planned.meta, id: planned.id ?? key });
    return { reader: stream.reader(), started: { stream, plan: planned } };
  } catch (error) {
    const raced = key && TidewireError.isInstance(error) && error.type === 'stream_exists';
    const attached = raced && (await attachStart(engine, key, authorize));
    if (attached) return { reader: attached };
    throw error;
  }
}

/** The reader of an existing stream a start names, from event 1; another caller's is a 409. */
async function attachStart<E extends EventMap, M>(
  engine: StreamEngine<E, M>,
  streamId: string,
  authorize: ((meta: M) => boolean | Promise<boolean>) | undefined,
): Promise<StreamReader<M> | undefined> {
  const opened = await engine.open({ streamId, afterSeq: 0 });
  if (opened.status === 'not_found') return undefined;
  if (authorize && !(await authorize(opened.info.meta))) {
    throw new TidewireError('stream_exists', 'this Idempotency-Key is taken: send a new random one', {
      status: 409,
    });
  }
  return opened.reader;
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
        const key = idempotencyKey(request.headers.get('idempotency-key'));
        const { reader, started } = await startOnce(engine, key, authorizeFor(request), async () =>
          options.start({ body: await readJson(request), url, headers: request.headers }, request),
        );
        const work = started && runPlan(started.stream, started.plan);
        if (work) options.waitUntil?.(work);
        return respond(reader, request);
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
