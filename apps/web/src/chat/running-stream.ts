/**
 * Remembers the stream being answered in sessionStorage (its id, last sequence number and
 * question), so that after a page reload the page finds it and resumes instead of asking again.
 * @module
 */

export interface RunningStream {
  streamId: string;
  seq: number;
  question: string;
  conversationId: string | null;
}

const KEY = 'tidewire.running-stream';

export function saveRunning(running: RunningStream): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(running));
  } catch {
    // Storage full or disabled: a reload then cannot resume, nothing else breaks.
  }
}

export function loadRunning(): RunningStream | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as RunningStream) : undefined;
  } catch {
    return undefined;
  }
}

export function clearRunning(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing to clear.
  }
}
