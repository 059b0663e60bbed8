/**
 * `TidewireChatTransport`: the AI SDK's `ChatTransport` (for `useChat`, AI SDK 5 and later) on
 * `SSEConsumer`. Sending starts one stream (never twice); a dropped connection is resumed by
 * the consumer itself, exactly, from the last event id; `reconnectToStream` (after a reload,
 * `useChat({ resume: true })`) replays the chat's running stream from its first event, also
 * when the answer ended meanwhile. Stop (the abort signal) cancels the generation on the
 * server; closing the tab only stops reading.
 * @module
 */
import type { ChatRequestOptions, ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { streamUrlOf } from '../resume-url.ts';
import { SSEConsumer, type SSEConsumerOptions } from '../sse-consumer.ts';
import { UIChunkMapper } from './ui-chunks.ts';

/** Where each chat's running stream id is kept (`sessionStorage` survives a reload). */
export interface StreamIdStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface TidewireChatTransportOptions<M extends UIMessage> {
  /** The start URL (POST), such as `/api/v1/stream/chat`. */
  api: string;
  /** The start request's JSON body (default: `{messages}` with each message's text, plus `body`). */
  prepareBody?: (options: { chatId: string; messages: M[]; body?: object }) => unknown;
  headers?: Record<string, string>;
  /** Default: in memory (a reload then cannot resume). */
  storage?: StreamIdStorage;
  fetch?: typeof fetch;
  /** Retries and liveness of the underlying consumer. */
  consumer?: Pick<
    SSEConsumerOptions,
    'maxReconnectAttempts' | 'reconnectDelay' | 'maxReconnectDelay' | 'heartbeatTimeout'
  >;
}

function memoryStorage(): StreamIdStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The default body: the conversation as role + text messages. */
function textMessages(messages: UIMessage[]): { role: string; content: string }[] {
  return messages.map((m) => ({
    role: m.role,
    content: m.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
  }));
}

function headersOf(headers: ChatRequestOptions['headers']): Record<string, string> {
  return headers instanceof Headers ? Object.fromEntries(headers.entries()) : { ...headers };
}

export class TidewireChatTransport<M extends UIMessage = UIMessage> implements ChatTransport<M> {
  /** A reconnect replays the answer from its start: `useChat` resets the message first. */
  readonly resumeStreamIsReplay = true;
  readonly #options: TidewireChatTransportOptions<M>;
  readonly #storage: StreamIdStorage;

  constructor(options: TidewireChatTransportOptions<M>) {
    this.#options = options;
    this.#storage = options.storage ?? memoryStorage();
  }

  async sendMessages(
    options: Parameters<ChatTransport<M>['sendMessages']>[0],
  ): Promise<ReadableStream<UIMessageChunk>> {
    const { chatId, messages, abortSignal, body } = options;
    const prepared = this.#options.prepareBody?.({ chatId, messages, body }) ?? {
      ...body,
      messages: textMessages(messages),
    };
    return this.#open(chatId, { body: prepared }, abortSignal, options.headers);
  }

  async reconnectToStream(
    options: Parameters<ChatTransport<M>['reconnectToStream']>[0],
  ): Promise<ReadableStream<UIMessageChunk> | null> {
    const streamId = this.#storage.getItem(this.#key(options.chatId));
    if (!streamId) return null;
    return this.#open(
      options.chatId,
      { resumeFrom: { streamId, seq: 0 } },
      options.abortSignal,
      options.headers,
    );
  }

  #key(chatId: string): string {
    return `tidewire.chat-stream.${chatId}`;
  }

  #open(
    chatId: string,
    start: Pick<SSEConsumerOptions, 'body' | 'resumeFrom'>,
    abortSignal: AbortSignal | undefined,
    headers: ChatRequestOptions['headers'],
  ): ReadableStream<UIMessageChunk> {
    const key = this.#key(chatId);
    const consumer = new SSEConsumer(this.#options.api, {
      ...this.#options.consumer,
      ...start,
      method: 'POST',
      headers: { ...this.#options.headers, ...headersOf(headers), 'content-type': 'application/json' },
      fetch: this.#options.fetch,
    });
    const mapper = new UIChunkMapper();
    const stop = () => {
      const streamId = consumer.streamId;
      if (streamId) void this.#cancel(streamId);
      this.#storage.removeItem(key);
    };
    let reading = true;
    return new ReadableStream<UIMessageChunk>({
      start: (controller) => {
        abortSignal?.addEventListener('abort', stop, { once: true });
        void (async () => {
          try {
            for await (const event of consumer) {
              if (event.event === 'hello') this.#storage.setItem(key, event.data.stream_id);
              if (event.event === 'done') this.#storage.removeItem(key);
              if (!reading) continue;
              for (const chunk of mapper.map(event)) controller.enqueue(chunk);
            }
            if (reading) controller.close();
          } catch (error) {
            if (reading) controller.error(error);
          } finally {
            abortSignal?.removeEventListener('abort', stop);
          }
        })();
      },
      // The reader went away (unmount, tab closed): stop reading; the answer goes on.
      cancel: () => {
        reading = false;
        consumer.close();
      },
    });
  }

  async #cancel(streamId: string): Promise<void> {
    const url = `${streamUrlOf(this.#options.api, streamId, globalThis.location?.href)}/cancel`;
    const fetcher = this.#options.fetch ?? fetch;
    await fetcher(url, { method: 'POST', headers: this.#options.headers }).catch(() => {
      // The stream ends with `cancelled` when the cancel lands; a lost one leaves it running.
    });
  }
}
