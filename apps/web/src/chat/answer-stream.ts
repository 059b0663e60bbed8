/**
 * `AnswerStream`: one answer arriving in the page. It joins the SSEConsumer (resume, backoff),
 * the AdaptiveTypewriter (steady typing) and the incremental Markdown renderer (block
 * freezing) on one element, outside the UI framework, and reports its connection state.
 * @module
 */
import { AdaptiveTypewriter, type ConsumerState, SSEConsumer, type StreamError } from '@tidewire/client';
import { createIncrementalRenderer } from '../markdown/incremental.ts';
import { clearRunning, saveRunning } from './running-stream.ts';

export interface AnswerCallbacks {
  onState(state: ConsumerState, attempt: number, error?: StreamError): void;
  onConversation(id: string): void;
  onFinished(text: string, reason: string): void;
}

export interface AnswerStart {
  question: string;
  conversationId: string | null;
  /** Resume this stream (after a reload) instead of asking. */
  resume?: { streamId: string };
}

export class AnswerStream {
  readonly element: HTMLElement;
  readonly #consumer: SSEConsumer;
  readonly #typewriter: AdaptiveTypewriter;
  readonly #start: AnswerStart;
  #conversationId: string | null;

  constructor(element: HTMLElement, start: AnswerStart, callbacks: AnswerCallbacks) {
    this.element = element;
    this.#start = start;
    this.#conversationId = start.conversationId;
    const renderer = createIncrementalRenderer(element);
    this.#typewriter = new AdaptiveTypewriter({
      onRender: (shown) => {
        const thread = element.closest('.thread');
        const following = thread && thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
        renderer.update(shown);
        if (following) thread.scrollTop = thread.scrollHeight;
      },
    });
    const body = start.resume
      ? undefined
      : { q: start.question, ...(start.conversationId ? { conversation_id: start.conversationId } : {}) };
    this.#consumer = new SSEConsumer('/api/v1/stream/chat', {
      method: 'POST',
      body,
      resumeFrom: start.resume ? { streamId: start.resume.streamId, seq: 0 } : undefined,
      headers: { 'x-requested-with': 'tidewire-web' },
      maxReconnectAttempts: 12,
      heartbeatTimeout: 45_000,
      onHello: (hello) => this.#save(hello.stream_id),
      onConversation: ({ id }) => {
        this.#conversationId = id;
        callbacks.onConversation(id);
        this.#save();
      },
      onDelta: ({ text }) => {
        this.#typewriter.push(text);
        this.#save();
      },
      onDone: (done) => {
        this.#typewriter.flush();
        renderer.finish();
        element.dataset.raw = this.#consumer.text;
        element.dataset.state = done.reason;
        clearRunning();
        callbacks.onFinished(this.#consumer.text, done.reason);
      },
      onStateChange: (state, info) => {
        element.dataset.connection = state;
        if (state === 'failed') this.#typewriter.flush();
        callbacks.onState(state, info.attempt, info.error);
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
