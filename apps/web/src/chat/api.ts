/**
 * The gateway's JSON endpoints the page uses: conversations and cancel. Errors come back as
 * the contract's `{"error":{"type","message"}}`.
 * @module
 */
import type { StoredPart } from '@tidewire/client';

export interface ConversationSummary {
  id: string;
  title: string;
  updated_at: string;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  complete: boolean;
  /** An answer's reasoning, tool calls, sources and files, as they streamed. */
  parts?: StoredPart[];
}

async function getJson<T>(path: string): Promise<T | undefined> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) return undefined;
  return (await res.json()) as T;
}

/** The newest conversations, or undefined when the server keeps none (or is unreachable). */
export async function listConversations(): Promise<ConversationSummary[] | undefined> {
  try {
    return (await getJson<{ data: ConversationSummary[] }>('/api/v1/conversations?limit=50'))?.data;
  } catch {
    return undefined;
  }
}

export async function loadConversation(id: string): Promise<StoredMessage[] | undefined> {
  try {
    return (await getJson<{ messages: StoredMessage[] }>(`/api/v1/conversations/${encodeURIComponent(id)}`))
      ?.messages;
  } catch {
    return undefined;
  }
}

/** Asks the server to stop generating; the stream then ends with `done` (`cancelled`). */
export async function cancelStream(streamId: string): Promise<void> {
  await fetch(`/api/v1/streams/${encodeURIComponent(streamId)}/cancel`, {
    method: 'POST',
    credentials: 'same-origin',
  });
}
