/**
 * `AnswerStream`: one answer arriving in the page. It joins the SSEConsumer (resume, backoff),
 * the AdaptiveTypewriter (steady typing) and the incremental Markdown renderer (block
 * freezing) on one element, outside the UI framework, renders at most once per animation
 * frame, keeps the stream's id and last sequence in sessionStorage for a reload, and reports
 * its connection state.
 * @module
 */
import {
  AdaptiveTypewriter,
  type ConsumerState,
  SSEConsumer,
  type StateInfo,
  type StreamError,
} from '@tidewire/client';
import type { StreamEvent } from '@tidewire/protocol';
import { createIncrementalRenderer, type IncrementalRenderer } from '../markdown/incremental.ts';
import { clearRunning, saveRunning } from './running-stream.ts';
import type { AnswerRequest } from './state.ts';

export interface AnswerCallbacks {
  onState(state: ConsumerState, info: StateInfo): void;
  /** The stream started (its id is known). */
  onStream(streamId: string): void;
  onConversation(id: string): void;
  /**
   * Every event that is part of the answer (text, reasoning, tools, sources, files, done);
   * `live` is false for an answer resumed from its start (a replay after a reload).
   */
  onPart?(event: StreamEvent, live: boolean): void;
  onFinished(text: string, reason: string): void;
  /** Gave up (after retries, or a final error); `streamId` is set when a resume is possible. */
  onFailed(text: string, error: StreamError | undefined, streamId: string | undefined): void;
}

export interface AnswerStart {
  question: string;
  conversationId: string | null;
  /** What to ask (by default `question`, after the newest message). */
  request?: AnswerRequest;
  model?: string;
  /** Resume this stream from its start (after a reload, or Retry) instead of asking again. */
  resume?: string;
}

/** The JSON body that starts the answer. */
function bodyOf(start: AnswerStart): Record<string, unknown> {
  const { q, parentMessageId } = start.request ?? { q: start.question };
  return {
    ...(q !== undefined ? { q } : {}),
    ...(start.conversationId ? { conversation_id: start.conversationId } : {}),
    ...(start.conversationId && parentMessageId !== undefined ? { parent_message_id: parentMessageId } : {}),
    ...(start.model ? { model: start.model } : {}),
  };
}

/** Draws the newest text once per animation frame, however often it changes in between. */
class FrameRenderer {
  readonly #renderer: IncrementalRenderer;
  readonly #element: HTMLElement;
  #text = '';
  #frame: number | undefined;

  constructor(element: HTMLElement) {
    this.#element = element;
    this.#renderer = createIncrementalRenderer(element);
  }

  show(text: string): void {
    this.#text = text;
    this.#frame ??= requestAnimationFrame(() => this.#draw());
  }

  /** Draws the complete text now and freezes it. */
  finish(text: string): void {
    this.cancel();
    this.#text = text;
    this.#draw();
    this.#renderer.finish();
  }

  cancel(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
  }

  #draw(): void {
    this.#frame = undefined;
    // Follow the answer only when the reader is already at the bottom of the thread.
    const thread = this.#element.closest('.thread');
    const following = thread && thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    this.#renderer.update(this.#text);
    if (following) thread.scrollTop = thread.scrollHeight;
  }
}

export class AnswerStream {
  readonly #consumer: SSEConsumer;
  readonly #typewriter: AdaptiveTypewriter;
  readonly #view: FrameRenderer;
  readonly #start: AnswerStart;
  #conversationId: string | null;

  constructor(element: HTMLElement, start: AnswerStart, callbacks: AnswerCallbacks) {
    this.#start = start;
    this.#conversationId = start.conversationId;
    this.#view = new FrameRenderer(element);
    this.#typewriter = new AdaptiveTypewriter({ onRender: (shown) => this.#view.show(shown) });
    const part = (_: unknown, event: StreamEvent) => callbacks.onPart?.(event, !start.resume);
    const body = start.resume ? undefined : bodyOf(start);
    this.#consumer = new SSEConsumer('/api/v1/stream/chat', {
      method: 'POST',
      body,
      // A resumed answer is read from its first event: the page has nothing of it yet.
      resumeFrom: start.resume ? { streamId: start.resume, seq: 0 } : undefined,
      headers: { 'x-requested-with': 'tidewire-web' },
      maxReconnectAttempts: 12,
      heartbeatTimeout: 45_000,
      onHello: (hello) => {
        this.#save(hello.stream_id);
        callbacks.onStream(hello.stream_id);
      },
      onConversation: ({ id }) => {
        this.#conversationId = id;
        callbacks.onConversation(id);
        this.#save();
      },
      onDelta: ({ text }, event) => {
        this.#typewriter.push(text);
        this.#save();
        part(text, event);
      },
      onReasoning: part,
      onToolInputDelta: part,
      onToolCall: part,
      onToolResult: part,
      onSource: part,
      onFile: part,
      onDone: (done, event) => {
        part(done, event);
        this.#settle(element, done.reason);
        clearRunning();
        callbacks.onFinished(this.#consumer.text, done.reason);
      },
      onStateChange: (state, info) => {
        element.dataset.connection = state;
        callbacks.onState(state, info);
        if (state !== 'failed') return;
        this.#settle(element, 'failed');
        // The stream is gone (expired or never existed): a reload must not try it again.
        if (info.error?.status === 404) clearRunning();
        const resumable = info.error?.status !== 404 ? this.#consumer.streamId : undefined;
        callbacks.onFailed(this.#consumer.text, info.error, resumable);
      },
    });
  }

  get streamId(): string | undefined {
    return this.#consumer.streamId;
  }

  start(): Promise<void> {
    return this.#consumer.connect();
  }

  /** Stops reading (the generation goes on unless cancelled). */
  close(): void {
    this.#consumer.close();
    this.#typewriter.dispose();
    this.#view.cancel();
  }

  /** Shows everything received, final, and marks the element for tests and styles. */
  #settle(element: HTMLElement, state: string): void {
    this.#typewriter.dispose();
    this.#view.finish(this.#consumer.text);
    element.dataset.raw = this.#consumer.text;
    element.dataset.state = state;
  }

  #save(streamId = this.#consumer.streamId): void {
    if (!streamId) return;
    saveRunning({
      streamId,
      seq: this.#consumer.lastSeq,
      question: this.#start.question,
      conversationId: this.#conversationId,
    });
  }
}
