/**
 * Takeover: continues a generation whose instance died. The log says where it stopped; the
 * model is asked to continue from the partial answer (the demo model continues exactly;
 * providers that can continue a partial assistant message do so), so the reader sees one
 * seamless answer. A model that cannot continue ends the stream with
 * `error {type: "generation_interrupted"}`; every event already written stays replayable.
 * @module
 */
import { createParser, decodeStreamEvent } from '@tidewire/protocol';
import { runGeneration } from './generation.ts';
import type { ChatMessage } from './models/provider.ts';
import type { Services } from './services.ts';

/** What the gateway keeps in `StreamInfo.request` so another instance can continue. */
export interface StoredRequest {
  messages: ChatMessage[];
}

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
  const store = engine.store as typeof engine.store & {
    readAll?(id: string): Promise<{ frames: string[]; ended: boolean }>;
  };
  const info = await store.info(streamId);
  if (!info || !store.readAll) return engine.release(streamId);
  const { frames, ended } = await store.readAll(streamId);
  if (ended) return engine.release(streamId);
  const stream = engine.adopt(info, frames);
  const { text, finished } = summarize(frames);
  if (finished) {
    await stream.closeLog();
    return;
  }
  const model = models.resolve(info.model);
  const request = info.request as StoredRequest | undefined;
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
    conversationId: info.conversationId,
    firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
    continueFrom: text,
    log: services.log.child({ stream: streamId, takeover: true }),
    recorder: await services.conversations.continueAnswer(streamId, text),
  });
}
