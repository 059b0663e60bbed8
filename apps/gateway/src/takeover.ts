/**
 * Takeover: continues a stream whose instance died. The log says where it stopped. A chat
 * generation asks the model to continue from the partial answer (the demo model continues
 * exactly; providers that can continue a partial assistant message do so), without repeating
 * the reasoning, tool calls or results the log holds, so the reader sees one seamless answer;
 * a media stream (image, read aloud) goes on from its last step (`media-continuation.ts`).
 * A producer that cannot continue ends the stream with `error {type: "generation_interrupted"}`;
 * every event already written stays replayable.
 * @module
 */
import { createParser, decodeStreamEvent, type StreamEvent } from '@tidewire/protocol';
import { type AnswerPart, partOfEvent } from './answer-parts.ts';
import { AnswerSoFar } from './answer-so-far.ts';
import type { ChatMeta, ChatStream } from './chat-engine.ts';
import { runGeneration } from './generation.ts';
import { mediaContinuation } from './media/media-continuation.ts';
import { estimateTokens } from './models/provider.ts';
import type { Services } from './services.ts';

/** How a kind of stream goes on from its log. */
export interface Continuation {
  /** Tokens already in the log: `done.tokens` counts them too, whoever ends the stream. */
  textPieces: number;
  /** Continues into the adopted stream; undefined when the producer cannot continue. */
  run: ((stream: ChatStream) => Promise<void>) | undefined;
  /** The `generation_interrupted` message when it cannot. */
  interrupted: string;
}

interface LogSummary {
  events: StreamEvent[];
  finished: boolean;
}

/** The log's events, and whether it already holds a `done`. */
function summarize(frames: string[]): LogSummary {
  const events: StreamEvent[] = [];
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (decoded.ok) events.push(decoded.event);
    },
  });
  for (const frame of frames) parser.feed(frame);
  return { events, finished: events.some((e) => e.event === 'done') };
}

export async function takeOver(services: Services, streamId: string): Promise<void> {
  const { engine } = services;
  const log = await engine.read(streamId);
  if (!log || log.ended) return engine.release(streamId);
  const meta = log.info.meta as ChatMeta;
  const { events, finished } = summarize(log.frames);
  const continuation = meta.media
    ? mediaContinuation(services, meta.media, meta.userId, events)
    : chatContinuation(services, streamId, meta, events);
  const stream = engine.adopt(log, { textPieces: continuation.textPieces });
  if (finished) {
    await stream.closeLog();
    return;
  }
  if (!continuation.run) {
    await stream.fail('generation_interrupted', continuation.interrupted);
    return;
  }
  await continuation.run(stream);
}

function chatContinuation(
  services: Services,
  streamId: string,
  meta: ChatMeta,
  events: StreamEvent[],
): Continuation {
  const { models, config } = services;
  const parts = events.map(partOfEvent).filter((p): p is AnswerPart => p !== undefined);
  const model = models.resolve(meta.model);
  const count = (text: string) => model?.countTokens?.(text) ?? estimateTokens(text);
  // The tokens already sent: text, reasoning, streamed tool arguments.
  const { text, reasoning } = AnswerSoFar.of(parts);
  const toolPieces = parts.filter((p) => p.type === 'tool-input-delta').length;
  const request = meta.request;
  const canContinue = model?.canContinue && request;
  return {
    textPieces: count(text) + count(reasoning) + toolPieces,
    interrupted: 'the instance generating this answer stopped and the model cannot continue it',
    run: canContinue
      ? async (stream) => {
          // What the reader has (fixed), and the stored answer's own copy that the recorder extends.
          const sent = AnswerSoFar.of(parts);
          await runGeneration({
            stream,
            model,
            messages: request.messages,
            tools: request.tools,
            conversationId: meta.conversationId,
            firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
            continueFrom: sent.text,
            sent,
            log: services.log.child({ stream: streamId, takeover: true }),
            recorder: await services.conversations.continueAnswer(streamId, AnswerSoFar.of(parts)),
          });
        }
      : undefined,
  };
}
