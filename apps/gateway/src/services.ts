/**
 * `Services`: everything the HTTP app is built from, created once per process (or per test)
 * by `createServices` in the Node entry, or by an edge entry with its own choices.
 * @module
 */
import type { StreamReader } from '@tidewire/server';
import type { Context } from 'hono';
import type { Auth } from './auth/auth.ts';
import type { ChatEngine, ChatMeta } from './chat-engine.ts';
import type { Config } from './config.ts';
import type { ConversationStore } from './conversations/store.ts';
import type { ConnectionLimit } from './limits/connection-limit.ts';
import type { CountedAsCreated, StreamLimits } from './limits/stream-limits.ts';
import type { MediaProviders } from './media/media-providers.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { ModelRegistry } from './models/registry.ts';
import type { PendingWork } from './pending-work.ts';
import type { WebAssets } from './routes/web.ts';

/** What the stream endpoints need: enough for an edge deployment, which has no database. */
export interface StreamServices {
  config: Config;
  engine: ChatEngine;
  models: ModelRegistry;
  conversations: Conversations;
  /**
   * The stream limits. `seesStreams`: `admit` given the stream a start names throws
   * `stream_exists` when it exists, counting nothing (so the starter need not look first).
   * `asCreated`: a start counted by the stream store as it creates the stream, where it can.
   */
  limits: {
    admit(key: string, streamId?: string): Promise<() => void>;
    readonly seesStreams?: boolean;
    asCreated?(key: string): CountedAsCreated | undefined;
  };
  connections: ConnectionLimit;
  metrics: Pick<
    Metrics,
    'requestError' | 'limitHit' | 'upstreamFirstToken' | 'webSocketOpened' | 'webSocketClosed'
  >;
  log: Log;
  /** Sends a reader's events as this request's response; `onClose` when it closes. */
  respondSSE(c: Context, reader: StreamReader<ChatMeta>, onClose: () => void): Response;
  /** The generations running here (a shutdown waits for their answers to be stored). */
  generations?: PendingWork;
}

/** Where streams keep their conversations (the part of `ConversationStore` they use). */
export type Conversations = Pick<ConversationStore, 'find' | 'findMessage' | 'branch' | 'beginTurn'>;

/** Everything the full app (Node) is built from. */
export interface Services extends StreamServices {
  conversations: ConversationStore;
  limits: StreamLimits;
  metrics: Metrics;
  /** The built chat page. */
  web: WebAssets;
  generations: PendingWork;
  auth: Auth;
  /** Image generation and speech (`routes/media.ts`). */
  media: MediaProviders;
}

/** The logging the app needs (pino's shape; edge entries can pass a console-backed one). */
export interface Log {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(fields: object): Log;
  /** Whether a line at `level` is written (pino's); assumed true when absent. */
  isLevelEnabled?(level: string): boolean;
}

export interface AppEnv {
  Variables: { user: string | null; log: Log; requestId: string };
}
