/**
 * Starting and resuming chat streams, whatever the transport: the SSE routes (streams.ts)
 * and the WebSocket route (websocket.ts) both call this, so limits (connections per IP, rate,
 * concurrency), conversations, metrics and logs are the same on both. A caller is who asks
 * (user, IP, limit key, logger), not an HTTP request.
 * @module
 */
import type { ResumePoint, StreamReader } from '@tidewire/server';
import { openOrThrow } from '@tidewire/server/internal';
import type { Context } from 'hono';
import { type ChatMeta, ownedBy } from '../chat-engine.ts';
import { ApiError, badRequest, notFound } from '../errors.ts';
import { runGeneration } from '../generation.ts';
import { clientIp, clientKey } from '../limits/client-key.ts';
import type { ModelProvider } from '../models/provider.ts';
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

export function createChatStarter(services: StreamServices) {
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

  /** Counts a connection against its IP (429 past the bound); returns its release. */
  function enterConnection(caller: Caller): () => void {
    try {
      return services.connections.enter(caller.ip);
    } catch (error) {
      services.metrics.limitHit('connections');
      throw error;
    }
  }

  /** Admits a new stream under the rate and concurrency limits; returns the slot's release. */
  async function admit(caller: Caller): Promise<() => void> {
    try {
      return await services.limits.admit(caller.limitKey);
    } catch (error) {
      if (error instanceof ApiError)
        services.metrics.limitHit(error.type === 'rate_limited' ? 'rate' : 'streams');
      throw error;
    }
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
   * A start naming a stream (`stream_id`) that exists: the caller's own is read from its
   * beginning (a repeated start never bills twice); anyone else's is `409 stream_exists`.
   */
  async function existing(caller: Caller, streamId: string): Promise<Opened | undefined> {
    const opened = await engine.open({ streamId, afterSeq: 0 });
    if (opened.status === 'not_found') return undefined;
    if (!ownedBy(caller.user)(opened.info.meta))
      throw new ApiError(409, 'stream_exists', `stream ${streamId} exists`);
    return attach(caller, opened.reader, { streamId, afterSeq: 0 });
  }

  /** Starts a generation for `input` and returns the reader of its stream. */
  async function start(caller: Caller, input: ChatInput): Promise<Opened> {
    const model = models.resolve(input.model);
    if (!model) {
      throw badRequest(
        'unknown_model',
        `unknown model "${input.model}"; available: ${models.names.join(', ')}`,
      );
    }
    if (input.streamId) {
      const opened = await existing(caller, input.streamId);
      if (opened) return opened;
    }
    const leave = enterConnection(caller);
    let release: (() => void) | undefined;
    try {
      release = await admit(caller);
      return await startStream(caller, input, model, release, leave);
    } catch (error) {
      release?.();
      leave();
      throw error;
    }
  }

  async function startStream(
    caller: Caller,
    input: ChatInput,
    model: ModelProvider,
    release: () => void,
    leave: () => void,
  ): Promise<Opened> {
    const { conversationId, messages } = await openConversation(caller.user, input);
    const stream = await engine.start({
      meta: { model: model.name, conversationId, userId: caller.user, request: { messages } },
      id: input.streamId,
    });
    const recorder = await conversations.recordAnswer(conversationId, stream.id);
    const log = caller.log.child({ stream: stream.id });
    log.info({ model: model.name, conversation: conversationId }, 'stream started');
    void runGeneration({
      onFirstToken: (ms) => services.metrics.upstreamFirstToken(ms / 1000, model.name),
      stream,
      model,
      messages,
      conversationId,
      firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      recorder,
      log,
    });
    void stream.finished.then(() => {
      release();
      log.info({ events: stream.lastSeq, ms: Date.now() - stream.info.createdAt }, 'stream ended');
    });
    return { reader: stream.reader(), streamId: stream.id, leave, log };
  }

  return { start, resume, enterConnection };
}
