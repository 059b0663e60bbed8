/**
 * Takeover: continues a generation whose instance died. The log says where it stopped; the
 * model is asked to continue from the partial answer (the demo model continues exactly;
 * providers that can continue a partial assistant message do so), so the reader sees one
 * seamless answer. A model that cannot continue ends the stream with
 * `error {type: "generation_interrupted"}`; every event already written stays replayable.
 * @module
 */
import { createParser, decodeStreamEvent } from '@tidewire/protocol';
import type { ChatMeta } from './chat-engine.ts';
import { runGeneration } from './generation.ts';
import { estimateTokens } from './models/provider.ts';
import type { Services } from './services.ts';

interface LogSummary {
  text: string;
  finished: boolean;
}

/** The answer text so far, and whether the log already holds a `done`. */
function summarize(frames: string[]): LogSummary {
  let text = '';
  let finished = false;
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (!decoded.ok) return;
      if (decoded.event.event === 'delta') text += decoded.event.data.text;
      if (decoded.event.event === 'done') finished = true;
    },
  });
  for (const frame of frames) parser.feed(frame);
  return { text, finished };
}

export async function takeOver(services: Services, streamId: string): Promise<void> {
  const { engine, models, config } = services;
  const log = await engine.read(streamId);
  if (!log || log.ended) return engine.release(streamId);
  const meta = log.info.meta as ChatMeta;
  const { text, finished } = summarize(log.frames);
  const model = models.resolve(meta.model);
  // The tokens already sent count in `done.tokens` too, whoever ends the stream.
  const stream = engine.adopt(log, { textPieces: model?.countTokens?.(text) ?? estimateTokens(text) });
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
  await runGeneration({
    stream,
    model,
    messages: request.messages,
    conversationId: meta.conversationId,
    firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
    continueFrom: text,
    log: services.log.child({ stream: streamId, takeover: true }),
    recorder: await services.conversations.continueAnswer(streamId, text),
  });
}
