/**
 * Starting and resuming chat streams, whatever the transport: the SSE routes (streams.ts)
 * and the WebSocket route (websocket.ts) both call this, so limits (connections per IP, rate,
 * concurrency), conversations, metrics and logs are the same on both. A caller is who asks
 * (user, IP, limit key, logger), not an HTTP request. The media routes count their
 * connections and admit their streams through the same `enterConnection` and `admit`.
 * @module
 */
import { type FinishListener, type ResumePoint, type StreamReader, TidewireError } from '@tidewire/server';
import { openOrThrow } from '@tidewire/server/internal';
import type { Context } from 'hono';
import { type ChatMeta, type ChatStream, ownedBy } from '../chat-engine.ts';
import { type PlannedTurn, planTurn } from '../conversations/turn.ts';
import { ApiError } from '../errors.ts';
import { NotStoredError, startGeneration } from '../generation.ts';
import { clientIp, clientKey } from '../limits/client-key.ts';
import type { CountedAsCreated } from '../limits/stream-limits.ts';
import { nextTurn } from '../next-turn.ts';
import type { AppEnv, Log, StreamServices } from '../services.ts';
import type { ChatInput } from './chat-input.ts';

/** Who asks for a stream. */
export interface Caller {
  /** The authenticated user (null when auth is off). */
  user: string | null;
  /** The client's IP, which open connections count against. */
  ip: string;
  /** What new streams count against (the user, else the IP). */
  limitKey: string;
  log: Log;
}

/** A reader for the caller, with its connection slot (`leave` when the connection closes). */
export interface Opened {
  reader: StreamReader<ChatMeta>;
  streamId: string;
  leave: () => void;
  /** The caller's logger with the stream id. */
  log: Log;
}

export function callerOf(c: Context<AppEnv>, trustProxy: boolean): Caller {
  return {
    user: c.get('user'),
    ip: clientIp(c, trustProxy),
    limitKey: clientKey(c, trustProxy),
    log: c.var.log,
  };
}

export type ChatStarter = ReturnType<typeof createChatStarter>;

/**
 * A start's concurrency slot: taken before the stream is created (`release`), or counted by the
 * store as it creates it (`counted`, whose `admitted()` then gives the release).
 */
interface Slot {
  counted?: CountedAsCreated;
  release?: () => void;
}

/** A started stream's end: its slot given back, and logged. One object per stream, not a closure. */
class StreamEnd implements FinishListener {
  readonly #stream: ChatStream;
  readonly #release: () => void;
  readonly #log: Log;

  constructor(stream: ChatStream, release: () => void, log: Log) {
    this.#stream = stream;
    this.#release = release;
    this.#log = log;
  }

  streamFinished(): void {
    this.#release();
    const stream = this.#stream;
    this.#log.info({ events: stream.lastSeq, ms: Date.now() - stream.info.createdAt }, 'stream ended');
  }
}

export function createChatStarter(services: StreamServices) {
  const { engine, models, config, conversations } = services;

  /** Counts a connection against its IP (429 past the bound); returns its release. */
  function enterConnection(caller: Caller): () => void {
    try {
      return services.connections.enter(caller.ip);
    } catch (error) {
      services.metrics.limitHit('connections');
      throw error;
    }
  }

  /**
   * Admits a new stream (named `streamId`, when the start names it) under the rate and
   * concurrency limits; returns the slot's release.
   */
  async function admit(caller: Caller, streamId?: string): Promise<() => void> {
    try {
      return await services.limits.admit(caller.limitKey, streamId);
    } catch (error) {
      countRefusal(error);
      throw error;
    }
  }

  /** A start refused by a limit is counted in the metrics. */
  function countRefusal(error: unknown): void {
    if (error instanceof ApiError && (error.type === 'rate_limited' || error.type === 'too_many_streams'))
      services.metrics.limitHit(error.type === 'rate_limited' ? 'rate' : 'streams');
  }

  /** Gives the caller `reader` (from `point`) on a connection counted against its IP. */
  function attach(caller: Caller, reader: StreamReader<ChatMeta>, point: ResumePoint): Opened {
    const leave = enterConnection(caller);
    const log = caller.log.child({ stream: point.streamId });
    log.info({ after: point.afterSeq }, 'stream resumed');
    return { reader, streamId: point.streamId, leave, log };
  }

  /** A reader of an existing stream from `point` (404 `stream_not_found` unless the caller owns it). */
  async function resume(caller: Caller, point: ResumePoint): Promise<Opened> {
    const { reader } = await openOrThrow(engine, point, ownedBy(caller.user));
    return attach(caller, reader, point);
  }

  /**
   * A start naming a stream (`stream_id` or `Idempotency-Key`) that exists: the caller's own
   * is read from its beginning (a repeated start never bills twice); anyone else's is
   * `409 stream_exists`. Undefined when no such stream exists.
   */
  async function existing(caller: Caller, streamId: string): Promise<Opened | undefined> {
    const opened = await engine.open({ streamId, afterSeq: 0 });
    if (opened.status === 'not_found') return undefined;
    if (!ownedBy(caller.user)(opened.info.meta)) {
      throw new ApiError(
        409,
        'stream_exists',
        `stream ${streamId} is taken (stream_id / Idempotency-Key): send a new random one`,
      );
    }
    return attach(caller, opened.reader, { streamId, afterSeq: 0 });
  }

  /** Starts a generation for `input` and returns the reader of its stream. */
  async function start(caller: Caller, input: ChatInput): Promise<Opened> {
    const { streamId } = input;
    // A repeated start reads its stream; limits that see streams find that out as they admit
    // it (with Redis: in the same round trip), the others cost no round trip to look first.
    const taken = streamId && !services.limits.seesStreams && (await existing(caller, streamId));
    if (taken) return taken;
    const turn = await planTurn(conversations, models, caller.user, input);
    const leave = enterConnection(caller);
    // With Redis, the limits count the start as the store creates its stream (one round trip).
    const slot: Slot = { counted: services.limits.asCreated?.(caller.limitKey) };
    try {
      if (!slot.counted) slot.release = await services.limits.admit(caller.limitKey, streamId);
      return await startStream(caller, turn, slot, leave, streamId);
    } catch (error) {
      slot.release?.();
      leave();
      countRefusal(error); // refused by the limits, counted here or by the store
      // A repeated start, or two starts with one stream id at once (the later one): it reads the
      // stream the first started.
      const raced = streamId && TidewireError.isInstance(error) && error.type === 'stream_exists';
      const attached = raced && (await existing(caller, streamId));
      if (attached) return attached;
      throw error;
    }
  }

  async function startStream(
    caller: Caller,
    { model, tools, open }: PlannedTurn,
    slot: Slot,
    leave: () => void,
    streamId: string | undefined,
  ): Promise<Opened> {
    const { conversationId, messages, store } = await open();
    const stream = await engine.start({
      meta: { model: model.name, conversationId, userId: caller.user, request: { messages, tools } },
      id: streamId,
      admission: slot.counted?.admission,
    });
    if (slot.counted) slot.release = slot.counted.admitted();
    const release = slot.release!;
    // The question and the answer's row are written while the model is asked: the upstream call
    // starts first (the HTTP client writes the request in the next turn of the event loop, and
    // the rows are queued after it). The caller gets the stream at once (`failUnlessStored`).
    const { recorder, stored } = store(stream.id, nextTurn());
    const log = caller.log.child({ stream: stream.id });
    log.info({ model: model.name, conversation: conversationId }, 'stream started');
    startGeneration(
      {
        onFirstToken: (ms) => services.metrics.upstreamFirstToken(ms / 1000, model.name),
        stream,
        model,
        messages,
        tools,
        conversationId,
        firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
        recorder,
        log,
      },
      // Counted until it settles, so a shutdown waits for its answer to be stored.
      services.generations?.begin(),
    );
    failUnlessStored(stream, stored, log);
    stream.whenFinished(new StreamEnd(stream, release, log));
    return { reader: stream.reader(), streamId: stream.id, leave, log };
  }

  /**
   * The response does not wait for the turn's rows (the stream's log holds everything meanwhile,
   * and the store's reads wait for its pending writes). When they cannot be stored, the stream
   * fails at once: its model call stops, and it ends with `error` (`internal_error`), never with
   * an answer that was not stored; a start sent again with its id reads the same.
   */
  function failUnlessStored(stream: ChatStream, stored: Promise<void>, log: Log): void {
    stored
      .catch((error: unknown) => {
        log.error({ err: error }, 'the question could not be stored');
        const { type, message } = new NotStoredError();
        return stream.fail(type, message);
      })
      .catch((error: unknown) => log.error({ err: error }, 'the stream could not be failed'));
  }

  return { start, resume, enterConnection, admit };
}
