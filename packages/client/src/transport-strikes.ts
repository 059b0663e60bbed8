/**
 * Weak evidence against SSE at an origin (a first event that came late, which a busy server
 * can cause too), counted so that a move to the WebSocket is remembered only the second time.
 * Only a WebSocket that opened after such a move records one, so this module comes with the
 * WebSocket transport's lazily loaded chunk (re-exported by `websocket-connection.ts`).
 * @module
 */
import { storage } from './transport-memory.ts';

const STRIKE_PREFIX = 'tidewire:transport-strike:';
const strikes = new Map<string, number>();

/**
 * Records weak evidence against SSE at `origin` (a slow first event): returns true when there
 * was already some within `forMs`, so that it is believed the second time.
 */
export function recordStrike(origin: string, forMs: number, now = Date.now()): boolean {
  let until = strikes.get(origin) ?? 0;
  try {
    until = Math.max(until, Number(storage()?.getItem(STRIKE_PREFIX + origin) ?? 0));
  } catch {
    // Unreadable storage: the memory entry stands.
  }
  const repeated = until > now;
  strikes.set(origin, repeated ? 0 : now + forMs);
  try {
    if (repeated) storage()?.removeItem(STRIKE_PREFIX + origin);
    else storage()?.setItem(STRIKE_PREFIX + origin, String(now + forMs));
  } catch {
    // Full or forbidden storage: memory keeps it for this page.
  }
  return repeated;
}
