/**
 * Drives one generation: asks the model, feeds its parts into the `Stream` as events, and
 * ends the stream exactly once, with `metadata` + `done`, or `error` + `done {reason:"error"}`.
 * The end of the model's reasoning goes out with how long it thought (`thinking-time.ts`).
 * It never throws and never leaves a stream hanging.
 * @module
 */

import type { AbortListener } from '@tidewire/server';
import { type AnswerPart, emitPart } from './answer-parts.ts';
import type { AnswerSoFar } from './answer-so-far.ts';
import type { ChatStream } from './chat-engine.ts';
import { type BatchPull, type BatchReceiver, pullOf } from './models/batch-pull.ts';
import {
  batchesOf,
  type ChatMessage,
  type FinishReason,
  type ModelBatch,
  type ModelProvider,
  type ToolDefinition,
  UpstreamError,
} from './models/provider.ts';
import { yieldToEventLoop } from './next-turn.ts';
import { ThinkingTime } from './thinking-time.ts';

/** Receives the answer as it streams, to store it (conversations). */
export interface AnswerRecorder {
  text(text: string): void;
  /** Any part of the answer (text included). */
  part(part: AnswerPart): void;
  /**
   * The answer ended; `complete` is false when it was cancelled or failed. Rejects with a
   * `NotStoredError` when the turn's question or answer row could not be stored.
   */
  end(complete: boolean): Promise<void>;
}

/** The turn's rows could not be stored: its stream fails with `internal_error`, never a complete `done`. */
export class NotStoredError extends Error {
  readonly type = 'internal_error';
  constructor() {
    super('the question could not be stored');
  }
}

export interface GenerationRequest {
  stream: ChatStream;
  model: ModelProvider;
  messages: ChatMessage[];
  /** Tools the client offered (a call to one ends the answer with `tool_calls`). */
  tools?: ToolDefinition[];
  conversationId: string | null;
  firstTokenTimeoutMs: number;
  continueFrom?: string;
  /** Everything of the answer already sent (takeover). */
  sent?: AnswerSoFar;
  recorder?: AnswerRecorder;
  /** Where a failed generation is reported (its type and message; never a credential). */
  log?: { warn(fields: object, message?: string): void };
  /** Called with the time from asking the model to its first token. */
  onFirstToken?: (ms: number) => void;
  /** The clock of the thinking time (default `performance.now`). */
  now?: () => number;
}

class FirstTokenTimeout extends Error {}

/** Parts after the first token within which the answer's first text joins it in the first write. */
const TEXT_JOINS_FIRST_TOKEN = 16;

/** Whether a text part is among the `count` parts of `batch` from `from` on. */
function textWithin(batch: ModelBatch, from: number, count: number): boolean {
  const end = Math.min(batch.length, from + count);
  for (let i = from; i < end; i++) if (batch[i]!.type === 'text') return true;
  return false;
}

/** Runs a generation; resolves once it has ended its stream (it never rejects). */
export function runGeneration(request: GenerationRequest): Promise<void> {
  return new Promise((resolve) => new Generation(request, resolve).start());
}

/**
 * Starts a generation that calls `onSettled` once it has ended its stream: a function shared
 * by every generation (`PendingWork.begin`), so an open stream holds no promise for it.
 */
export function startGeneration(request: GenerationRequest, onSettled?: () => void): void {
  new Generation(request, onSettled).start();
}

/** What `Generation.#take` says the loop does next. */
const GO = 0;
const STOP = 1;
const TURN = 2;

/**
 * One generation's state, kept in fields, pulling the model's batches by callback
 * (`BatchReceiver`): while the model is quiet, the model holds this object and nothing else
 * waits (an async loop held a suspended frame, its await's reaction and closures, and a
 * promise per layer between it and the model).
 */
class Generation implements BatchReceiver, AbortListener {
  readonly #stream: ChatStream;
  readonly #model: ModelProvider;
  readonly #recorder: AnswerRecorder | undefined;
  readonly #log: GenerationRequest['log'];
  /** Called once, then let go (an idle answer does not hold it). */
  #onFirstToken: ((ms: number) => void) | undefined;
  readonly #onSettled: (() => void) | undefined;
  readonly #timeoutMs: number;
  /** The request until the model is asked (then only the model's request holds what it needs). */
  #request: GenerationRequest | undefined;
  #source: BatchPull | undefined;
  /** True while `pull` runs: a batch given at once is sent by `#pullNext`'s loop, not nested in it. */
  #pulling = false;
  #given: ModelBatch | undefined;
  readonly #began = performance.now();
  /** Tokens sent before this generation began (a takeover continues another's answer). */
  readonly #before: number;
  #tokens = 0;
  #outputTokens: number | undefined;
  #reason: FinishReason = 'stop';
  #textSent = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #thinking: ThinkingTime;

  constructor(request: GenerationRequest, onSettled: (() => void) | undefined) {
    const stream = request.stream;
    this.#stream = stream;
    this.#model = request.model;
    this.#recorder = request.recorder;
    this.#log = request.log;
    this.#onFirstToken = request.onFirstToken;
    this.#onSettled = onSettled;
    this.#timeoutMs = request.firstTokenTimeoutMs;
    this.#request = request;
    this.#before = stream.textPieces;
    // The model reads the stream's own signal: aborted by a cancel, and by the first-token
    // timeout (`interrupt`: the stream stays open, and fails below once the answer is stored).
    this.#timer = setTimeout(() => stream.interrupt(new FirstTokenTimeout()), request.firstTokenTimeoutMs);
    this.#thinking = new ThinkingTime({ now: request.now, ended: request.sent?.thoughtMs !== undefined });
    stream.whenAborted(this);
  }

  /** The stream's signal aborted (a cancel, a failure, the first-token timeout): the model stops at once. */
  get stopsOnAbort(): boolean {
    return true;
  }

  streamAborted(): void {
    this.#stopModel();
  }

  /** Stops the model without waiting; a model that fails to stop is logged. */
  #stopModel(): void {
    this.#source
      ?.stop()
      ?.catch((error: unknown) =>
        this.#log?.warn({ stream: this.#stream.id, error: String(error) }, 'the model did not stop'),
      );
  }

  /** Emits the answer's first events and asks the model; its first batch is taken in a microtask. */
  start(): void {
    try {
      this.#source = pullOf(this.#ask());
    } catch (error) {
      this.fail(error);
      return;
    }
    queueMicrotask(() => this.#pullNext());
  }

  /** Asks for the next batch; batches given at once are sent in this loop. */
  #pullNext(): void {
    for (;;) {
      this.#pulling = true;
      try {
        this.#source!.pull(this);
      } catch (error) {
        this.fail(error);
        return;
      } finally {
        this.#pulling = false;
      }
      const batch = this.#given;
      if (!batch) return; // it comes later (or the answer ended)
      this.#given = undefined;
      if (!this.#sendFrom(batch, 0)) return;
    }
  }

  batch(batch: ModelBatch): void {
    if (this.#pulling) this.#given = batch;
    else if (this.#sendFrom(batch, 0)) this.#pullNext();
  }

  /** The model's answer ended: `metadata`, the stored answer, then `done`. */
  end(): void {
    void this.#conclude(() => this.#finish());
  }

  /** The model failed. */
  fail(error: unknown): void {
    void this.#conclude(() => Promise.reject(error));
  }

  /**
   * Sends the parts of `batch` from `from` on; true when the next batch is wanted. What the
   * user sees first goes out at once: the rest of its batch waits one turn of the event loop,
   * in which it is written (`#take`).
   */
  #sendFrom(batch: ModelBatch, from: number): boolean {
    let next: typeof GO | typeof STOP | typeof TURN = GO;
    let i = from;
    try {
      for (; i < batch.length && next === GO; i++) next = this.#take(batch, i);
    } catch (error) {
      // As a `for await` loop does: the model is stopped, and the error fails the stream.
      this.#stopModel();
      this.fail(error);
      return false;
    }
    if (next === STOP) void this.#conclude(() => this.#stopThenFinish());
    else if (next === TURN && i < batch.length) yieldToEventLoop(() => this.#resume(batch, i));
    else return true;
    return false;
  }

  #resume(batch: ModelBatch, from: number): void {
    if (this.#sendFrom(batch, from)) this.#pullNext();
  }

  async #stopThenFinish(): Promise<void> {
    await this.#source!.stop();
    await this.#finish();
  }

  /** The generation's last step (`#failed` when it throws), then it settles. */
  async #conclude(last: () => Promise<void>): Promise<void> {
    try {
      await last();
    } catch (error) {
      await this.#failed(error).catch((failure: unknown) =>
        this.#log?.warn(
          { stream: this.#stream.id, error: String(failure) },
          'the stream could not be failed',
        ),
      );
    } finally {
      clearTimeout(this.#timer);
      this.#onSettled?.();
    }
  }

  #timedOut(): boolean {
    return this.#stream.signal.reason instanceof FirstTokenTimeout;
  }

  #send(part: AnswerPart | undefined): void {
    if (!part) return;
    emitPart(this.#stream, part);
    this.#recorder?.part(part);
  }

  /** Emits the answer's first events and asks the model. */
  #ask(): AsyncIterable<ModelBatch> {
    const request = this.#request!;
    this.#request = undefined;
    if (!request.continueFrom && !request.sent) {
      this.#stream.emit('start', { status: 'processing' });
      if (request.conversationId) this.#stream.emit('conversation', { id: request.conversationId });
    }
    return batchesOf(this.#model, {
      messages: request.messages,
      tools: request.tools,
      signal: this.#stream.signal,
      continueFrom: request.continueFrom,
      sent: request.sent,
    });
  }

  /** Sends part `i` of a batch; says whether the loop goes on, and whether it waits a turn first. */
  #take(batch: ModelBatch, i: number): typeof GO | typeof STOP | typeof TURN {
    const part = batch[i]!;
    // `stream.ended` is the cheap check on the hot path; the timeout only matters before the first token.
    if (this.#stream.ended || (this.#tokens === 0 && this.#timedOut())) return STOP;
    if (part.type === 'finish') {
      this.#reason = part.reason;
      this.#outputTokens = part.usage?.outputTokens;
      return GO;
    }
    const first = this.#tokens++ === 0;
    if (first) {
      clearTimeout(this.#timer);
      this.#timer = undefined; // not held, with its callback, for the rest of the answer
      this.#onFirstToken?.(performance.now() - this.#began);
      this.#onFirstToken = undefined;
    }
    this.#send(this.#thinking.before(part));
    this.#send(part);
    // The first token, and the answer's first text, go out before the rest of their batch; when
    // the text begins a few parts after the first token, they go out together, in one write.
    const firstText = !this.#textSent && part.type === 'text';
    if (firstText) this.#textSent = true;
    const firstAlone = first && !this.#textSent && !textWithin(batch, i + 1, TEXT_JOINS_FIRST_TOKEN);
    return (firstAlone || firstText) && i < batch.length - 1 ? TURN : GO;
  }

  /** The model's answer ended: `metadata`, the stored answer, then `done`. */
  async #finish(): Promise<void> {
    const stream = this.#stream;
    if (this.#timedOut()) throw stream.signal.reason;
    if (stream.ended) return await this.#recorder?.end(false);
    this.#send(this.#thinking.end());
    const used = this.#before + (this.#outputTokens ?? this.#tokens);
    stream.emit('metadata', {
      model_used: this.#model.name,
      tokens_used: used,
      elapsed_seconds: Math.round(performance.now() - this.#began) / 1000,
    });
    // Stored before `done` goes out: a client that reads `done` and then fetches the
    // conversation finds the whole answer.
    await this.#recorder?.end(true);
    await stream.end(this.#reason, { tokens: used });
  }

  /** The generation failed (the model, the store, the first-token timeout): the stream fails. */
  async #failed(error: unknown): Promise<void> {
    const stream = this.#stream;
    await this.#recorder?.end(false).catch(() => {});
    if (stream.ended) return;
    const cause = this.#timedOut() ? stream.signal.reason : error;
    const { type, message } = describeFailure(cause, this.#timeoutMs);
    this.#log?.warn(
      { stream: stream.id, model: this.#model.name, type, error: message },
      'generation failed',
    );
    await stream.fail(type, message); // done.tokens: the engine counts, after flushing held text
  }
}

function describeFailure(error: unknown, timeoutMs: number): { type: string; message: string } {
  if (error instanceof FirstTokenTimeout) {
    return { type: 'upstream_timeout', message: `the model sent no first token within ${timeoutMs} ms` };
  }
  if (error instanceof UpstreamError || error instanceof NotStoredError)
    return { type: error.type, message: error.message };
  return { type: 'upstream_error', message: 'the model failed mid-answer' };
}
