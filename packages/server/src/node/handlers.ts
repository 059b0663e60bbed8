/**
 * The Node handler set: `start`, `resume` and `cancel` as `(req, res)` functions for
 * `node:http`, Express and Fastify (`reply.hijack()`, then `request.raw`, `reply.raw`). Same
 * rules as the Web set; streams go down the direct Node path. A body an earlier middleware
 * parsed (`req.body`) is used as is.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EventMap, errorBody, TidewireError } from '@tidewire/protocol';
import type { StreamEngine } from '../engine.ts';
import { type HandlerOptions, idempotencyKey, openOrThrow, runPlan, startOnce } from '../handlers.ts';
import type { StreamReader } from '../reader.ts';
import { resumePointOf } from '../resume-point.ts';
import { writeSSE } from './node-response.ts';

type NodeRequest = IncomingMessage & { body?: unknown };

export interface NodeHandlers {
  start(req: NodeRequest, res: ServerResponse): Promise<void>;
  resume(req: NodeRequest, res: ServerResponse, streamId?: string): Promise<void>;
  cancel(req: NodeRequest, res: ServerResponse, streamId: string): Promise<void>;
}

/** Bodies larger than this are refused (413) unless a middleware already parsed them. */
const MAX_BODY_BYTES = 1024 * 1024;

function sendError(res: ServerResponse, error: unknown): void {
  const known = TidewireError.isInstance(error) && error.status;
  const status = known ? error.status! : 500;
  const body = known
    ? errorBody(error.type as never, error.message)
    : errorBody('internal_error', 'internal error');
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: NodeRequest): Promise<unknown> {
  if (req.body !== undefined) return req.body;
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new TidewireError('payload_too_large', 'request body too large', { status: 413 });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TidewireError('invalid_json', 'the request body is not valid JSON', { status: 400 });
  }
}

const urlOf = (req: IncomingMessage) => new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
const lastEventId = (req: IncomingMessage) => {
  const value = req.headers['last-event-id'];
  return typeof value === 'string' ? value : null;
};

export function createNodeHandlers<E extends EventMap, M>(
  engine: StreamEngine<E, M>,
  options: HandlerOptions<E, M, NodeRequest>,
): NodeHandlers {
  const authorizeFor = (req: NodeRequest) =>
    options.authorize ? (meta: M) => options.authorize!(meta, req) : undefined;
  const respond = (reader: StreamReader<M>, res: ServerResponse) =>
    writeSSE(reader, res, {
      maxUnsentBytes: options.maxUnsentBytes,
      headers: { 'X-Stream-Id': reader.info.streamId },
    });

  const resume = async (req: NodeRequest, res: ServerResponse, streamId?: string) => {
    try {
      const point = resumePointOf(urlOf(req), lastEventId(req), streamId);
      if (!point) {
        throw new TidewireError('bad_request', 'no resume point: send Last-Event-ID or name a stream', {
          status: 400,
        });
      }
      respond((await openOrThrow(engine, point, authorizeFor(req))).reader, res);
    } catch (error) {
      sendError(res, error);
    }
  };

  return {
    resume,
    async start(req, res) {
      try {
        const url = urlOf(req);
        if (resumePointOf(url, lastEventId(req))) return await resume(req, res);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string') headers.set(name, value);
        }
        const key = idempotencyKey(headers.get('idempotency-key'));
        const { reader, started } = await startOnce(engine, key, authorizeFor(req), async () =>
          options.start({ body: await readJson(req), url, headers }, req),
        );
        const work = started && runPlan(started.stream, started.plan);
        if (work) options.waitUntil?.(work);
        respond(reader, res);
      } catch (error) {
        sendError(res, error);
      }
    },
    async cancel(req, res, streamId) {
      try {
        await openOrThrow(engine, { streamId, afterSeq: 0 }, authorizeFor(req));
        const cancelled = await engine.cancel(streamId);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ stream_id: streamId, cancelled }));
      } catch (error) {
        sendError(res, error);
      }
    },
  };
}
