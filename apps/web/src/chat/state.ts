/**
 * The page's state as signals (the conversation's message tree and the branch shown,
 * connection, conversations, models, theme) and the actions that change it: ask, regenerate,
 * edit, switch versions, resume, finish, fail, retry, stop, open a conversation, start anew.
 * The streaming text itself is not here: `AnswerStream` draws it outside the framework.
 * @module
 */
import { computed, signal } from '@preact/signals';
import type { ConsumerState, StoredPart, StreamError } from '@tidewire/client';
import type { AnswerStream } from './answer-stream.ts';
import {
  type ConversationSummary,
  cancelStream,
  listConversations,
  loadConversation,
  type ModelInfo,
  type StoredConversation,
} from './api.ts';
import { clearRunning, type RunningStream, saveOpenConversation } from './running-stream.ts';
import { activeBranch, childrenOf, picksToward, ROOT } from './tree.ts';

/** What an answer asks the server: a new question, or (no `q`) a new answer to a stored one. */
export interface AnswerRequest {
  q?: string;
  /** The stored message it follows; null: a new first question; absent: the newest. */
  parentMessageId?: string | null;
}

export interface Message {
  /** Stable on the page (the server's id for a stored message, a local one for a new one). */
  key: string;
  /** The server's id, once known. */
  id?: string;
  /** The key of the message this one follows; null for a first question. */
  parent: string | null;
  role: 'user' | 'assistant';
  /** The text (answers: set once they end; while streaming it lives in the DOM only). */
  text: string;
  /** Answers only: how it stands. */
  status?: 'streaming' | 'done' | 'failed';
  /** While streaming: the question, what to ask, and the stream to resume instead of asking. */
  source?: { question: string; request?: AnswerRequest; resume?: string };
  /** The answer's stream, once it started. */
  streamId?: string;
  /** `stop`, `length`, `cancelled`, `error` once done; the error text once failed. */
  reason?: string;
  /** A failed answer that can be resumed (Retry). */
  retry?: { question: string; streamId: string };
  /** A stored answer's parts besides its text. */
  parts?: StoredPart[];
}

export interface Connection {
  state: ConsumerState | 'idle';
  attempt: number;
  message?: string;
  /** The type of the error behind a reconnect or failure (`network_error`: the server is out of reach). */
  cause?: string;
  /** The stream's transport: the page says when it is the WebSocket (SSE blocked on the way). */
  transport?: 'sse' | 'websocket';
}

export type Theme = 'light' | 'dark' | 'auto';

/** Every message of the conversation, in the order they were made. */
export const tree = signal<Message[]>([]);
/** At each fork (by parent key), the version the reader picked. */
export const picks = signal<Record<string, string>>({});
/** The branch shown. */
export const messages = computed(() => activeBranch(tree.value, picks.value));
export const connection = signal<Connection>({ state: 'idle', attempt: 0 });
export const conversationId = signal<string | null>(null);
export const conversationTitle = signal<string | null>(null);
/** Undefined when the server keeps no history (or is unreachable). */
export const conversations = signal<ConversationSummary[] | undefined>(undefined);
export const searchText = signal('');
/** Undefined when the server lists no models. */
export const models = signal<ModelInfo[] | undefined>(undefined);
/** The model the next answer asks for (remembered per conversation by the server). */
export const model = signal<string | undefined>(undefined);
export const theme = signal<Theme>(storedTheme());

let active: AnswerStream | undefined;
let nextKey = 1;
const newKey = () => `local-${nextKey++}`;

function storedTheme(): Theme {
  const value = localStorage.getItem('tidewire.theme');
  return value === 'light' || value === 'dark' ? value : 'auto';
}

export const isBusy = (): boolean => tree.value.some((m) => m.status === 'streaming');

export function setActive(stream: AnswerStream | undefined): void {
  active = stream;
}

export function update(key: string, change: Partial<Message>): void {
  tree.value = tree.value.map((m) => (m.key === key ? { ...m, ...change } : m));
}

const byKey = (key: string | null) => (key === null ? undefined : tree.value.find((m) => m.key === key));

/** The versions of a message (itself and its siblings) and its place among them. */
export function versionsOf(message: Message): { versions: Message[]; index: number } {
  const versions = childrenOf(tree.value).get(message.parent ?? ROOT) ?? [message];
  return { versions, index: versions.findIndex((m) => m.key === message.key) };
}

function answer(parent: string, source: Message['source']): Message {
  return { key: newKey(), parent, role: 'assistant', text: '', status: 'streaming', source };
}

/** Adds messages and shows the branch through the last of them. */
function append(...added: Message[]): void {
  tree.value = [...tree.value.map((m) => (m.retry ? { ...m, retry: undefined } : m)), ...added];
  picks.value = { ...picks.value, ...picksToward(tree.value, added.at(-1)!.key) };
}

export function setConversation(id: string | null): void {
  conversationId.value = id;
  saveOpenConversation(id);
}

export async function refreshConversations(): Promise<void> {
  const list = await listConversations(searchText.value);
  conversations.value = list;
  conversationTitle.value =
    list?.find((c) => c.id === conversationId.value)?.title ?? conversationTitle.value;
}

/** Asks a new question after the last message shown (ignored while an answer is streaming). */
export function ask(question: string): void {
  if (isBusy()) return;
  const leaf = messages.value.at(-1);
  const user: Message = { key: newKey(), parent: leaf?.key ?? null, role: 'user', text: question };
  const request: AnswerRequest = { q: question, ...(leaf?.id ? { parentMessageId: leaf.id } : {}) };
  append(user, answer(user.key, { question, request }));
}

/** The server's id of a message, learning it first when the page does not know it yet. */
async function serverId(key: string): Promise<string | undefined> {
  if (!byKey(key)?.id) await learnIds();
  return byKey(key)?.id;
}

/** Asks for a new version of an answer; every version stays (a switcher under it). */
export async function regenerate(key: string): Promise<void> {
  const question = byKey(byKey(key)?.parent ?? null);
  if (!question || isBusy()) return;
  const id = await serverId(question.key);
  if (!id || isBusy()) return;
  append(answer(question.key, { question: question.text, request: { parentMessageId: id } }));
}

/** Sends an edited question as a new branch from where it was asked; the old one stays. */
export async function edit(key: string, text: string): Promise<void> {
  const original = byKey(key);
  if (!original || isBusy() || !text.trim()) return;
  const parentId = original.parent === null ? null : await serverId(original.parent);
  if (parentId === undefined || isBusy()) return;
  const user: Message = { key: newKey(), parent: original.parent, role: 'user', text };
  append(user, answer(user.key, { question: text, request: { q: text, parentMessageId: parentId } }));
}

/** Shows another version of a message (`step` -1: the one before, +1: the one after). */
export function showVersion(key: string, step: number): void {
  const message = byKey(key);
  if (!message || isBusy()) return;
  const { versions, index } = versionsOf(message);
  const next = versions[index + step];
  if (next) picks.value = { ...picks.value, [message.parent ?? ROOT]: next.key };
}

/**
 * Reads an answer again from its stream, as a new message in its place (a new key: an answer
 * element streams once), shown.
 */
function restream(key: string, source: Message['source']): void {
  const old = byKey(key);
  if (!old) return;
  const again: Message = { ...answer(old.parent!, source), id: old.id, streamId: old.streamId };
  tree.value = tree.value.map((m) => (m.key === key ? again : m));
  picks.value = { ...picks.value, ...picksToward(tree.value, again.key) };
}

/** Resumes a failed answer from its stream (never asks again). */
export function retry(key: string): void {
  const failed = byKey(key);
  if (!failed?.retry || isBusy()) return;
  const { question, streamId } = failed.retry;
  restream(key, { question, resume: streamId });
  connection.value = { state: 'connecting', attempt: 0 };
}

export function finish(key: string, text: string, reason: string): void {
  update(key, { text, reason, status: 'done', source: undefined });
  setActive(undefined);
  void learnIds();
  void refreshConversations();
}

export function fail(key: string, text: string, error: StreamError | undefined, streamId?: string): void {
  const question = byKey(key)?.source?.question ?? '';
  update(key, {
    text,
    status: 'failed',
    reason: error?.message ?? 'the connection failed',
    source: undefined,
    retry: streamId ? { question, streamId } : undefined,
  });
  setActive(undefined);
  void learnIds();
}

/**
 * Learns the server's ids of the messages made on this page (a regenerate or an edit names
 * them): each answer is found by its stream, its question as the answer's parent.
 */
export async function learnIds(): Promise<void> {
  const id = conversationId.value;
  if (!id || !tree.value.some((m) => !m.id && m.streamId)) return;
  const stored = await loadConversation(id);
  if (!stored || conversationId.value !== id) return;
  const ids = new Map<string, string>();
  for (const m of tree.value) {
    const found = !m.id && m.streamId ? stored.messages.find((s) => s.stream_id === m.streamId) : undefined;
    if (!found) continue;
    ids.set(m.key, found.id);
    if (m.parent && found.parent_id && !byKey(m.parent)?.id) ids.set(m.parent, found.parent_id);
  }
  tree.value = tree.value.map((m) => (ids.has(m.key) ? { ...m, id: ids.get(m.key) } : m));
}

/** Stop: the server cancels the generation, and the stream ends with `cancelled`. */
export async function stop(): Promise<void> {
  const id = active?.streamId;
  if (id) await cancelStream(id);
}

/** Leaves the answer being read (its generation goes on); a reload will not resume it. */
function leaveActive(): void {
  active?.close();
  setActive(undefined);
  clearRunning();
}

function show(stored: StoredConversation | undefined): void {
  tree.value = (stored?.messages ?? []).map((m) => ({
    key: m.id,
    id: m.id,
    parent: m.parent_id,
    role: m.role,
    text: m.content,
    streamId: m.stream_id ?? undefined,
    ...(m.role === 'assistant'
      ? { status: 'done' as const, reason: m.complete ? 'stop' : 'incomplete', parts: m.parts }
      : {}),
  }));
  picks.value = {};
  conversationTitle.value = stored?.title ?? null;
  if (stored?.model && models.value?.some((m) => m.id === stored.model)) model.value = stored.model;
}

export function newChat(): void {
  leaveActive();
  show(undefined);
  setConversation(null);
  connection.value = { state: 'idle', attempt: 0 };
}

/**
 * Shows a stored conversation; false if it cannot be loaded. An answer still streaming (in
 * another tab, on another device) is attached to live, read from its stream's first event,
 * unless `attach` is false (the caller resumes it itself).
 */
export async function openConversation(id: string, { attach = true } = {}): Promise<boolean> {
  const stored = await loadConversation(id);
  if (!stored) return false;
  setConversation(id);
  connection.value = { state: 'idle', attempt: 0 };
  show(stored);
  // An answer still streaming (in another tab, on another device) is followed live.
  const live = attach ? stored.active_stream_id : undefined;
  const running = live ? tree.value.find((m) => m.streamId === live) : undefined;
  if (running?.parent) restream(running.key, { question: byKey(running.parent)?.text ?? '', resume: live! });
  return true;
}

/** Switches to a stored conversation (the sidebar). */
export async function showConversation(id: string): Promise<void> {
  leaveActive();
  await openConversation(id);
}

/**
 * After a reload mid-answer: shows the conversation (when the server keeps history) with the
 * running answer on the branch shown, resumed from its stream; else the question and answer.
 */
export async function resumeRunning(running: RunningStream): Promise<void> {
  const source = { question: running.question, resume: running.streamId };
  if (running.conversationId && (await openConversation(running.conversationId, { attach: false }))) {
    const stored = tree.value.find((m) => m.streamId === running.streamId);
    if (stored) return restream(stored.key, source);
  }
  setConversation(running.conversationId);
  const user: Message = {
    key: newKey(),
    parent: messages.value.at(-1)?.key ?? null,
    role: 'user',
    text: running.question,
  };
  append(user, answer(user.key, source));
}
