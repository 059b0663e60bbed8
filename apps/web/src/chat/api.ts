/**
 * The gateway's JSON endpoints the page uses: conversations (list, search, read, rename,
 * delete), models and cancel. Errors come back as the contract's `{"error":{"type","message"}}`.
 * @module
 */
import type { StoredPart } from '@tidewire/client';

export interface ConversationSummary {
  id: string;
  title: string;
  updated_at: string;
}

/** A stored conversation; `active_stream_id` names its answer while it is still streaming. */
export interface StoredConversation {
  messages: StoredMessage[];
  active_stream_id?: string | null;
}

export interface StoredMessage {
  id: string;
  parent_id: string | null;
  role: 'user' | 'assistant';
  content: string;
  complete: boolean;
  stream_id?: string | null;
  /** An answer's reasoning, tool calls, sources and files, as they streamed. */
  parts?: StoredPart[];
}

export interface StoredConversation {
  id: string;
  title: string;
  model?: string | null;
  messages: StoredMessage[];
}

export interface ModelInfo {
  id: string;
  provider: string;
  default?: boolean;
}

const OPTIONS = { headers: { accept: 'application/json' }, credentials: 'same-origin' } as const;

async function getJson<T>(path: string): Promise<T | undefined> {
  const res = await fetch(path, OPTIONS);
  if (!res.ok) return undefined;
  return (await res.json()) as T;
}

/** What went wrong with a change the server refused, in its words. */
async function failure(res: Response): Promise<Error> {
  const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  return new Error(body?.error?.message ?? `the server answered ${res.status}`);
}

const conversationPath = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;

/**
 * The newest conversations (those matching every word of `search`, when given), or undefined
 * when the server keeps none (or is unreachable).
 */
export async function listConversations(search = ''): Promise<ConversationSummary[] | undefined> {
  const q = search.trim() ? `&q=${encodeURIComponent(search.trim().slice(0, 200))}` : '';
  try {
    return (await getJson<{ data: ConversationSummary[] }>(`/api/v1/conversations?limit=50${q}`))?.data;
  } catch {
    return undefined;
  }
}

export async function loadConversation(id: string): Promise<StoredConversation | undefined> {
  try {
    return await getJson<StoredConversation>(conversationPath(id));
  } catch {
    return undefined;
  }
}

export async function renameConversation(id: string, title: string): Promise<void> {
  const res = await fetch(conversationPath(id), {
    ...OPTIONS,
    method: 'PATCH',
    headers: { ...OPTIONS.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  if (!res.ok) throw await failure(res);
}

export async function deleteConversation(id: string): Promise<void> {
  const res = await fetch(conversationPath(id), { ...OPTIONS, method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw await failure(res);
}

/** The models a chat may name, the default first; undefined when the server lists none. */
export async function listModels(): Promise<ModelInfo[] | undefined> {
  try {
    return (await getJson<{ data: ModelInfo[] }>('/api/v1/models'))?.data;
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
