/**
 * Takeover: continues a generation whose instance died. The log says where it stopped; the
 * model is asked to continue from the partial answer (the demo model continues exactly;
 * providers that can continue a partial assistant message do so), without repeating the
 * reasoning, tool calls or results the log holds, so the reader sees one seamless answer. A model that cannot continue ends the stream with
 * `error {type: "generation_interrupted"}`; every event already written stays replayable.
 * @module
 */
import { createParser, decodeStreamEvent } from '@tidewire/protocol';
import { type AnswerPart, partOfEvent } from './answer-parts.ts';
import { AnswerSoFar } from './answer-so-far.ts';
import type { ChatMeta } from './chat-engine.ts';
import { runGeneration } from './generation.ts';
import { estimateTokens } from './models/provider.ts';
import type { Services } from './services.ts';

interface LogSummary {
  parts: AnswerPart[];
  finished: boolean;
}

/** The answer's parts so far, and whether the log already holds a `done`. */
function summarize(frames: string[]): LogSummary {
  const parts: AnswerPart[] = [];
  let finished = false;
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (!decoded.ok) return;
      const part = partOfEvent(decoded.event);
      if (part) parts.push(part);
      if (decoded.event.event === 'done') finished = true;
    },
  });
  for (const frame of frames) parser.feed(frame);
  return { parts, finished };
}

export async function takeOver(services: Services, streamId: string): Promise<void> {
  const { engine, models, config } = services;
  const log = await engine.read(streamId);
  if (!log || log.ended) return engine.release(streamId);
  const meta = log.info.meta as ChatMeta;
  const { parts, finished } = summarize(log.frames);
  const model = models.resolve(meta.model);
  // The tokens already sent (text, reasoning, streamed tool arguments) count in `done.tokens`
  // too, whoever ends the stream.
  const count = (text: string) => model?.countTokens?.(text) ?? estimateTokens(text);
  const { text, reasoning } = AnswerSoFar.of(parts);
  const toolPieces = parts.filter((p) => p.type === 'tool-input-delta').length;
  const stream = engine.adopt(log, { textPieces: count(text) + count(reasoning) + toolPieces });
  if (finished) {
    await stream.closeLog();
    return;
  }
  const request = meta.request;
  if (!model?.canContinue || !request) {
    await stream.fail(
      'generation_interrupted',
      'the instance generating this answer stopped and the model cannot continue it',
    );
    return;
  }
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
