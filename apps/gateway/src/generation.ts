/**
 * Drives one generation: asks the model, feeds its parts into the `Stream` as events, and
 * ends the stream exactly once, with `metadata` + `done`, or `error` + `done {reason:"error"}`.
 * The end of the model's reasoning goes out with how long it thought (`thinking-time.ts`).
 * It never throws and never leaves a stream hanging.
 * @module
 */

import { type AnswerPart, emitPart } from './answer-parts.ts';
import type { AnswerSoFar } from './answer-so-far.ts';
import type { ChatStream } from './chat-engine.ts';
import {
  batchesOf,
  type ChatMessage,
  type FinishReason,
  type ModelPart,
  type ModelProvider,
  type ToolDefinition,
  UpstreamError,
} from './models/provider.ts';
import { nextTurn } from './next-turn.ts';
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
function textWithin(batch: readonly ModelPart[], from: number, count: number): boolean {
  const end = Math.min(batch.length, from + count);
  for (let i = from; i < end; i++) if (batch[i]!.type === 'text') return true;
  return false;
}

export async function runGeneration(request: GenerationRequest): Promise<void> {
  const { stream, model, recorder } = request;
  const began = performance.now();
  // Tokens sent before this generation began (a takeover continues another's answer).
  const before = stream.textPieces;
  let tokens = 0;
  let outputTokens: number | undefined;
  let reason: FinishReason = 'stop';
  // The model reads the stream's own signal: aborted by a cancel, and by the first-token
  // timeout (`interrupt`: the stream stays open, and fails below once the answer is stored).
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(
    () => stream.interrupt(new FirstTokenTimeout()),
    request.firstTokenTimeoutMs,
  );
  const signal = stream.signal;
  const timedOut = () => signal.reason instanceof FirstTokenTimeout;
  const thinking = new ThinkingTime({ now: request.now, ended: request.sent?.thoughtMs !== undefined });
  const send = (part: AnswerPart | undefined) => {
    if (!part) return;
    emitPart(stream, part);
    recorder?.part(part);
  };
  try {
    if (!request.continueFrom && !request.sent) {
      stream.emit('start', { status: 'processing' });
      if (request.conversationId) stream.emit('conversation', { id: request.conversationId });
    }
    const batches = batchesOf(model, {
      messages: request.messages,
      tools: request.tools,
      signal,
      continueFrom: request.continueFrom,
      sent: request.sent,
    });
    // A chunk's parts are handled in one step: no promise or event-loop hop per token.
    let textSent = false;
    chunks: for await (const batch of batches) {
      for (let i = 0; i < batch.length; i++) {
        const part = batch[i]!;
        // `stream.ended` is the cheap check on the hot path; the timeout only matters before the first token.
        if (stream.ended || (tokens === 0 && timedOut())) break chunks;
        if (part.type !== 'finish') {
          const first = tokens++ === 0;
          if (first) {
            clearTimeout(timer);
            timer = undefined; // not held, with its callback, for the rest of the answer
            request.onFirstToken?.(performance.now() - began);
          }
          send(thinking.before(part));
          send(part);
          // What the user sees first (the first token, the answer's first text) goes out at once:
          // the rest of a batch waits one turn of the event loop, in which it is written. When the
          // text begins a few parts after the first token, they go out together, in one write.
          const firstText: boolean = !textSent && part.type === 'text';
          textSent ||= firstText;
          const firstAlone = first && !textSent && !textWithin(batch, i + 1, TEXT_JOINS_FIRST_TOKEN);
          if ((firstAlone || firstText) && i < batch.length - 1) await nextTurn();
        } else {
          reason = part.reason;
          outputTokens = part.usage?.outputTokens;
        }
      }
    }
    if (timedOut()) throw signal.reason;
    if (stream.ended) return await recorder?.end(false);
    send(thinking.end());
    const used = before + (outputTokens ?? tokens);
    stream.emit('metadata', {
      model_used: model.name,
      tokens_used: used,
      elapsed_seconds: Math.round(performance.now() - began) / 1000,
    });
    // Stored before `done` goes out: a client that reads `done` and then fetches the
    // conversation finds the whole answer.
    await recorder?.end(true);
    await stream.end(reason, { tokens: used });
  } catch (error) {
    await recorder?.end(false).catch(() => {});
    if (!stream.ended) {
      const cause = timedOut() ? signal.reason : error;
      const { type, message } = describeFailure(cause, request.firstTokenTimeoutMs);
      request.log?.warn({ stream: stream.id, model: model.name, type, error: message }, 'generation failed');
      await stream.fail(type, message); // done.tokens: the engine counts, after flushing held text
    }
  } finally {
    clearTimeout(timer);
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
