/**
 * The services of an edge deployment (Cloudflare Workers, Vercel Edge): the same stream
 * engine and stream endpoints as on Node, with what an edge isolate can hold — an in-memory
 * stream store (a resume must reach the same isolate; across isolates use Redis over HTTP or
 * Durable Objects), the demo model, no database (no conversations), platform rate limiting.
 * No `node:` imports: everything here is Web-standard.
 * @module
 */
import { MemoryStreamStore, sseResponse } from '@tidewire/server';
import { createChatEngine } from '../apps/gateway/src/chat-engine.ts';
import { loadConfig } from '../apps/gateway/src/config.ts';
import { waitUntilOf } from '../apps/gateway/src/execution-context.ts';
import { ConnectionLimit } from '../apps/gateway/src/limits/connection-limit.ts';
import { DemoModel } from '../apps/gateway/src/models/demo.ts';
import { ModelRegistry } from '../apps/gateway/src/models/registry.ts';
import type { Conversations, Log, StreamServices } from '../apps/gateway/src/services.ts';

/** Conversations are not kept at the edge: each stream stands alone. */
const noConversations: Conversations = {
  find: async () => undefined,
  findMessage: async () => undefined,
  branch: async () => ({ leafId: null, messages: [] }),
  beginTurn: () => ({ recorder: { text() {}, part() {}, end: async () => {} }, stored: Promise.resolve() }),
};

function consoleLog(fields: object = {}): Log {
  const line = (level: string) => (more: object, message?: string) =>
    console.log(
      JSON.stringify({ level, ...fields, ...more, msg: message }, (_key, value) =>
        value instanceof Error ? { name: value.name, message: value.message } : value,
      ),
    );
  return {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => consoleLog({ ...fields, ...more }),
  };
}

export function createEdgeServices(env: Record<string, string | undefined> = {}): StreamServices {
  const config = loadConfig(env);
  const engine = createChatEngine({
    store: new MemoryStreamStore(),
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    retentionMs: config.STREAM_RETENTION_MS,
    maxLogBytes: config.STREAM_MAX_LOG_BYTES,
    coalesceWords: config.DELTA_COALESCE_WORDS,
    coalesceHoldMs: config.DELTA_HOLD_MS,
  });
  return {
    config,
    engine,
    // A timer per paced answer: on Workers a timer is its request's (see DemoModelOptions).
    models: new ModelRegistry([new DemoModel(config.DEMO_TOKENS_PER_SEC, { timerPerAnswer: true })]),
    conversations: noConversations,
    limits: { admit: async () => () => {} },
    connections: new ConnectionLimit(config.MAX_CONNECTIONS_PER_IP),
    metrics: {
      requestError() {},
      limitHit() {},
      upstreamFirstToken() {},
      webSocketOpened() {},
      webSocketClosed() {},
    },
    log: consoleLog(),
    respondSSE(c, reader, onClose) {
      c.req.raw.signal.addEventListener('abort', onClose, { once: true });
      // Keep the isolate working on the generation after the response is returned.
      const running = engine.running(reader.info.streamId)?.finished;
      if (running) waitUntilOf(c)?.(running);
      return sseResponse(reader, {
        maxUnsentBytes: config.SSE_MAX_UNSENT_BYTES,
        signal: c.req.raw.signal,
      });
    },
  };
}
