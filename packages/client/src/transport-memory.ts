/**
 * Which transport worked for an origin, remembered for a while so the next stream does not
 * wait to find out again that SSE is buffered there: `localStorage` in browsers (shared by the
 * origin's tabs, kept across reloads), memory in Node. A storage that throws (private mode,
 * quota) falls back to memory.
 * @module
 */

export type Transport = 'sse' | 'websocket';

const KEY_PREFIX = 'tidewire:transport:';
const memory = new Map<string, { transport: Transport; until: number }>();

/** The origin's `localStorage`, where there is one and the page may use it. */
export function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // A sandboxed frame may forbid even looking at it.
  }
}

/** The transport remembered for `origin`, if still fresh at `now`. */
export function rememberedTransport(origin: string, now = Date.now()): Transport | undefined {
  let entry = memory.get(origin);
  try {
    const stored = storage()?.getItem(KEY_PREFIX + origin);
    if (stored) entry = JSON.parse(stored) as typeof entry;
  } catch {
    // Unreadable storage: the memory entry stands.
  }
  if (!entry || entry.until <= now) return undefined;
  return entry.transport === 'websocket' || entry.transport === 'sse' ? entry.transport : undefined;
}

/** Remembers `transport` for `origin` during `forMs` (0: forget). */
export function rememberTransport(
  origin: string,
  transport: Transport,
  forMs: number,
  now = Date.now(),
): void {
  const entry = { transport, until: now + forMs };
  memory.set(origin, entry);
  try {
    if (forMs > 0) storage()?.setItem(KEY_PREFIX + origin, JSON.stringify(entry));
    else storage()?.removeItem(KEY_PREFIX + origin);
  } catch {
    // Full or forbidden storage: memory keeps it for this page.
  }
}
