/**
 * The events every yardstick server sends: the same stream the gateway sends for a demo
 * question (hello, start, one delta per model token, metadata, done), so that all servers
 * are measured on identical work.
 * @module
 */
import type { EventDataMap, EventName } from '@tidewire/protocol';
import { demoAnswer, tokenize } from '../apps/gateway/src/models/demo-answer.ts';

export interface BenchEvent {
  event: EventName;
  data: EventDataMap[EventName];
}

export function demoEvents(question: string, streamId: string): BenchEvent[] {
  const tokens = tokenize(demoAnswer(question));
  return [
    { event: 'hello', data: { ts: Date.now(), model: 'demo', conversation_id: null, stream_id: streamId } },
    { event: 'start', data: { status: 'processing' } },
    ...tokens.map((text) => ({ event: 'delta' as const, data: { text } })),
    { event: 'metadata', data: { model_used: 'demo', tokens_used: tokens.length, elapsed_seconds: 0 } },
    { event: 'done', data: { reason: 'stop', tokens: tokens.length } },
  ];
}

/** Events before the answer: an idle stream stops after these and stays open. */
export const IDLE_PREFIX = 3;

/** Events written between yields to the event loop, as a paced model would allow. */
export const BATCH = 64;
