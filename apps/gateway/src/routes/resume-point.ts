/**
 * The gateway's reading of resume points (the engine's rules: `Last-Event-ID`, `last_event_id`,
 * or `:id` with `after`) and of the user's own streams: a stream that is unknown, expired or
 * another user's is the same 404.
 * @module
 */
import type { ResumePoint } from '@tidewire/server';
import { openOrThrow, resumePointOf } from '@tidewire/server/internal';
import type { Context } from 'hono';
import { type ChatEngine, ownedBy } from '../chat-engine.ts';
import type { AppEnv } from '../services.ts';

/** The resume point a request names, or null for a start. Malformed → 400. */
export const resumePointIn = (c: Context, streamId?: string): ResumePoint | null =>
  resumePointOf(new URL(c.req.url), c.req.header('last-event-id') ?? null, streamId);

/** A reader of the request user's stream from `point`; 404 `stream_not_found` otherwise. */
export const openOwn = (c: Context<AppEnv>, engine: ChatEngine, point: ResumePoint) =>
  openOrThrow(engine, point, ownedBy(c.get('user')));
