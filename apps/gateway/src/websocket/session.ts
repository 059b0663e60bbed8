/**
 * One WebSocket of the `/api/v1/ws` route: reads the client's messages in order (start,
 * follow, cancel, unfollow), follows any number of streams on the one socket, and answers
 * bad input with a typed `error` message without closing the socket. The same starter as
 * the SSE routes does the work (limits, conversations, logs). The socket is a
 * platform-neutral `SessionSocket` (socket.ts): `ws` on Node, a Web `WebSocket` in a Worker.
 * @module
 */
import { WS_CLOSE_RESUME } from '@tidewire/protocol';
import { openOrThrow } from '@tidewire/server/internal';
import { type ChatEngine, ownedBy } from '../chat-engine.ts';
import type { Caller, ChatStarter, Opened } from '../routes/chat-starter.ts';
import type { StreamServices } from '../services.ts';
import {
  type ClientMessage,
  cancelledMessage,
  errorMessage,
  errorOf,
  parseClientMessage,
  type ReplyTo,
  replyToOf,
  startedMessage,
} from './messages.ts';
import type { SessionSocket } from './socket.ts';
import { WebSocketStreamSink } from './stream-sink.ts';

export interface SessionContext {
  services: Pick<StreamServices, 'config' | 'metrics'> & { engine: ChatEngine };
  starter: ChatStarter;
  caller: Caller;
  onSlowClient?: () => void;
  /** Keeps the platform running a started generation after the socket closes (workerd's `waitUntil`). */
  waitUntil?: (work: Promise<unknown>) => void;
}

export class WebSocketSession {
  readonly #socket: SessionSocket;
  readonly #context: SessionContext;
  readonly #follows = new Map<string, WebSocketStreamSink>();
  /** Messages are handled one after the other, in the order they came. */
  #queue: Promise<void> = Promise.resolve();

  constructor(socket: SessionSocket, context: SessionContext) {
    this.#socket = socket;
    this.#context = context;
    socket.onMessage((text) => {
      this.#queue = this.#queue.then(() => this.#receive(text));
    });
    socket.onClose(() => {
      for (const sink of [...this.#follows.values()]) sink.close();
    });
  }

  /** How many streams the socket follows now. */
  get following(): number {
    return this.#follows.size;
  }

  /** One message: its text, or undefined for a binary one. */
  async #receive(text: string | undefined): Promise<void> {
    if (text === undefined)
      return this.#reply({}, 'bad_request', 'binary messages are not understood: send JSON text');
    let message: ClientMessage;
    try {
      message = parseClientMessage(text, this.#context.services.config.MAX_QUESTION_LENGTH);
    } catch (error) {
      return this.#replyError(replyToOf(text), error);
    }
    try {
      await this.#handle(message);
    } catch (error) {
      const replyTo = message.type === 'start' ? { ref: message.ref } : { streamId: message.streamId };
      this.#replyError(replyTo, error);
    }
  }

  async #handle(message: ClientMessage): Promise<void> {
    const { starter, caller, services } = this.#context;
    switch (message.type) {
      case 'start': {
        const opened = await starter.start(caller, message.input);
        const running = services.engine.running(opened.streamId)?.finished;
        if (running) this.#context.waitUntil?.(running);
        this.#send(startedMessage(message.ref, opened.streamId));
        return this.#attach(opened);
      }
      case 'follow':
        return this.#attach(
          await starter.resume(caller, { streamId: message.streamId, afterSeq: message.after }),
        );
      case 'cancel': {
        const { engine } = services;
        await openOrThrow(engine, { streamId: message.streamId, afterSeq: 0 }, ownedBy(caller.user));
        this.#send(cancelledMessage(message.streamId, await engine.cancel(message.streamId)));
        return;
      }
      case 'unfollow': {
        const sink = this.#follows.get(message.streamId);
        if (!sink) {
          return this.#reply(
            { streamId: message.streamId },
            'stream_not_found',
            `this socket does not follow stream ${message.streamId}`,
          );
        }
        sink.close();
        return;
      }
    }
  }

  /** Pipes an opened stream to this socket (a second follow of a stream replaces the first). */
  #attach({ reader, streamId, leave }: Opened): void {
    if (!this.#socket.isOpen) {
      leave();
      return;
    }
    this.#follows.get(streamId)?.close();
    const sink = new WebSocketStreamSink(this.#socket, streamId, {
      maxUnsentBytes: this.#context.services.config.SSE_MAX_UNSENT_BYTES,
      onSlowClient: () => {
        this.#context.onSlowClient?.();
        this.#socket.close(WS_CLOSE_RESUME, 'too many unsent bytes: resume');
      },
    });
    this.#follows.set(streamId, sink);
    sink.onClose(() => {
      leave();
      if (this.#follows.get(streamId) === sink) this.#follows.delete(streamId);
    });
    reader.pipe(sink);
  }

  #replyError(replyTo: ReplyTo, error: unknown): void {
    const { type, message, known } = errorOf(error);
    if (!known) this.#context.caller.log.error({ err: error }, 'websocket message failed');
    this.#reply(replyTo, type, message);
  }

  #reply(replyTo: ReplyTo, type: string, message: string): void {
    this.#context.services.metrics.requestError(type);
    this.#send(errorMessage(replyTo, type, message));
  }

  #send(message: string): void {
    if (this.#socket.isOpen) this.#socket.send(message);
  }
}
