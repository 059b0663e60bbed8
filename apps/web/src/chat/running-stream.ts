/**
 * What this tab remembers across a reload, in sessionStorage: the stream being answered (its
 * id, last sequence number, question and conversation), so the page resumes it instead of
 * asking again, and the conversation that is open.
 * @module
 */

export interface RunningStream {
  streamId: string;
  seq: number;
  question: string;
  conversationId: string | null;
}

const RUNNING = 'tidewire.running-stream';
const OPEN_CONVERSATION = 'tidewire.conversation';

/** A sessionStorage value (null when absent or storage is disabled). */
export function read(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Sets (null: removes) a sessionStorage value; a full or disabled storage only loses the reload's resume. */
export function write(key: string, value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: a reload then cannot resume, nothing else breaks.
  }
}

export function saveRunning(running: RunningStream): void {
  write(RUNNING, JSON.stringify(running));
}

export function loadRunning(): RunningStream | undefined {
  const raw = read(RUNNING);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<RunningStream>;
    if (typeof value.streamId !== 'string' || typeof value.question !== 'string') return undefined;
    return {
      streamId: value.streamId,
      seq: typeof value.seq === 'number' ? value.seq : 0,
      question: value.question,
      conversationId: typeof value.conversationId === 'string' ? value.conversationId : null,
    };
  } catch {
    return undefined;
  }
}

export function clearRunning(): void {
  write(RUNNING, null);
}

export function saveOpenConversation(id: string | null): void {
  write(OPEN_CONVERSATION, id);
}

export function loadOpenConversation(): string | null {
  return read(OPEN_CONVERSATION);
}
