/**
 * `Services`: everything the HTTP app is built from, created once per process (or per test)
 * by `createServices` in the Node entry, or by an edge entry with its own choices.
 * @module
 */
import type { StreamEngine, StreamInfo } from '@tidewire/server';
import type { Context } from 'hono';
import type { Config } from './config.ts';
import type { ConversationStore } from './conversations/store.ts';
import type { ModelRegistry } from './models/registry.ts';
import type { WebAssets } from './routes/web.ts';

export interface Services {
  config: Config;
  engine: StreamEngine;
  models: ModelRegistry;
  conversations: ConversationStore;
  /** The built chat page. */
  web: WebAssets;
  /** Sends a stream's events from `afterSeq` on as this request's response. */
  respondSSE(c: Context, info: StreamInfo, afterSeq: number): Response;
}

export interface AppEnv {
  Variables: { user: string | null };
}
