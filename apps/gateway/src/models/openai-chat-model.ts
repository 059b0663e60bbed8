/**
 * `OpenAIChatModel`: a `ModelProvider` that speaks the OpenAI Chat Completions streaming API
 * itself (`fetch`, the project's SSE parser, `JSON.parse` per event), for any
 * OpenAI-compatible server. It replaced the AI SDK's provider on this path because that one
 * validated every chunk with a schema and piped it through several web streams: about 400 KB
 * of garbage per answer, and a young-generation GC pause every few dozen answers that showed
 * as the gateway's first-token p99. Every part parsed from one network chunk is handed over in
 * one batch (one async step per chunk, not per token). No retries: a retry would bill twice.
 * A caller's abort ends the parts quietly and closes the upstream request; a stall mid-answer
 * is `upstream_timeout` (`StallWatchdog`); the rest maps as `upstream-errors.ts` says.
 * @module
 */
import { createParser, type SSEParser } from '@tidewire/protocol';
import { ChatChunkReader } from './openai-chat-chunks.ts';
import { chatRequestBody } from './openai-chat-request.ts';
import { type BodyReader, fetchPostBody, type PostBody, type UpstreamTarget } from './post-json.ts';
import type { ModelBatch, ModelPart, ModelProvider, ModelRequest } from './provider.ts';
import { partsOf, UpstreamError } from './provider.ts';
import { UpstreamCall } from './upstream-call.ts';

export interface OpenAIChatOptions {
  /** Such as `https://api.openai.com/v1`: requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  apiKey?: string;
  maxTokens?: number;
  /** After the first token, the longest quiet before the call fails with `upstream_timeout`. */
  idleTimeoutMs: number;
  /** The server knows vLLM's `continue_final_message`: a partial answer can be continued. */
  continueFinalMessage: boolean;
  /** How the request is sent: `fetch` unless given (the Node server gives `nodePostBody`). */
  post?: PostBody;
}

/** Bound on one upstream event: a server cannot make us buffer without limit. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;
/**
 * The stream's SSE parser and its `ChatChunkReader`: each network chunk's events become one
 * batch of parts. The first failure (an error event, bad JSON, an event too large) is kept in
 * `failure` and ends the reading; the parts before it still go out, as they came before it.
 */
class ChatEvents {
  /** The first failure, if any: reading stops there. */
  failure: unknown;
  #parts: ModelPart[] = [];
  readonly #chunks = new ChatChunkReader();
  readonly #parser: SSEParser;

  constructor() {
    this.#parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: ({ data }) => this.#event(data),
      // An unknown field or a bad `retry` is skipped, as the SSE standard says; only a bound stops us.
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded')
          this.failure ??= new UpstreamError('upstream_error', `the model server sent ${error.message}`, {
            cause: error,
          });
      },
    });
  }

  /** The parts of one network chunk (handed over: the next chunk's go in a new batch). */
  feed(chunk: Uint8Array): ModelPart[] {
    if (this.failure === undefined) this.#parser.feed(chunk);
    const parts = this.#parts;
    if (parts.length > 0) this.#parts = [];
    return parts;
  }

  /** The last parts once the body has ended (tool calls still open, the finish). */
  end(): ModelPart[] {
    this.#chunks.end(this.#parts);
    return this.#parts;
  }

  #event(data: string): void {
    if (this.failure !== undefined || data === '[DONE]') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      this.failure = new UpstreamError('upstream_error', 'the model server sent an event that is not JSON', {
        cause: error,
      });
      return;
    }
    try {
      this.#chunks.read(parsed, this.#parts);
    } catch (error) {
      this.failure = error;
    }
  }
}

export class OpenAIChatModel implements ModelProvider {
  readonly name: string;
  readonly provider = 'openai';
  readonly canContinue: boolean;
  readonly #target: UpstreamTarget;
  readonly #options: OpenAIChatOptions;

  constructor(name: string, options: OpenAIChatOptions) {
    this.name = name;
    this.canContinue = options.continueFinalMessage;
    this.#options = options;
    this.#target = { baseUrl: options.baseUrl, apiKey: options.apiKey };
  }

  stream(request: ModelRequest): AsyncIterable<ModelPart> {
    return partsOf(this.batches(request));
  }

  async *batches(request: ModelRequest): AsyncIterable<ModelBatch> {
    if (request.signal.aborted) return;
    const call = new UpstreamCall(request.signal, this.#options.idleTimeoutMs);
    let reader: BodyReader | undefined;
    try {
      reader = await this.#open(request, call.signal);
      const events = new ChatEvents();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parts = events.feed(value);
        if (parts.length > 0) {
          call.watchdog.token();
          yield parts;
        }
        if (events.failure !== undefined) throw events.failure;
      }
      yield events.end();
    } catch (error) {
      const failure = call.failure(error);
      if (failure) throw failure;
    } finally {
      call.end();
      // Also when the caller stops early: cancelling the body closes the upstream request.
      if (reader) void reader.cancel().catch(() => {});
    }
  }

  /** Sends the request; the reader of a 2xx response's body, else the error its status means. */
  #open(request: ModelRequest, signal: AbortSignal): Promise<BodyReader> {
    const continueFrom = this.canContinue ? request.continueFrom : undefined;
    const body = chatRequestBody(request.messages, request.tools, {
      model: this.name,
      maxTokens: this.#options.maxTokens,
      continueFrom,
    });
    return (this.#options.post ?? fetchPostBody)(this.#target, '/chat/completions', body, signal);
  }
}
