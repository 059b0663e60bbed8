/**
 * The page's state as signals (messages, connection, conversations, theme) and the actions
 * that change it: ask, resume, finish, fail, retry, stop, open a conversation, start anew.
 * The streaming text itself is not here: `AnswerStream` draws it outside the framework.
 * @module
 */
import { signal } from '@preact/signals';
import type { ConsumerState, StreamError } from '@tidewire/client';
import type { AnswerStream } from './answer-stream.ts';
import { type ConversationSummary, cancelStream, listConversations, loadConversation } from './api.ts';
import { clearRunning, type RunningStream, saveOpenConversation } from './running-stream.ts';

export interface Message {
  key: number;
  role: 'user' | 'assistant';
  /** The text (answers: set once they end; while streaming it lives in the DOM only). */
  text: string;
  /** Answers only: how it stands. */
  status?: 'streaming' | 'done' | 'failed';
  /** While streaming: the question, and the stream to resume instead of asking. */
  source?: { question: string; resume?: string };
  /** `stop`, `length`, `cancelled`, `error` once done; the error text once failed. */
  reason?: string;
  /** A failed answer that can be resumed (Retry). */
  retry?: { question: string; streamId: string };
}

export interface Connection {
  state: ConsumerState | 'idle';
  attempt: number;
  message?: string;
  /** The stream's transport: the page says when it is the WebSocket (SSE blocked on the way). */
  transport?: 'sse' | 'websocket';
}

export type Theme = 'light' | 'dark' | 'auto';

export const messages = signal<Message[]>([]);
export const connection = signal<Connection>({ state: 'idle', attempt: 0 });
export const conversationId = signal<string | null>(null);
/** Undefined when the server keeps no history (or is unreachable). */
export const conversations = signal<ConversationSummary[] | undefined>(undefined);
export const theme = signal<Theme>(storedTheme());

let active: AnswerStream | undefined;
let nextKey = 1;

function storedTheme(): Theme {
  const value = localStorage.getItem('tidewire.theme');
  return value === 'light' || value === 'dark' ? value : 'auto';
}

export const isBusy = (): boolean => messages.value.some((m) => m.status === 'streaming');

export function setActive(stream: AnswerStream | undefined): void {
  active = stream;
}

function update(key: number, change: Partial<Message>): void {
  messages.value = messages.value.map((m) => (m.key === key ? { ...m, ...change } : m));
}

function answer(source: Message['source']): Message {
  return { key: nextKey++, role: 'assistant', text: '', status: 'streaming', source };
}

export function setConversation(id: string | null): void {
  conversationId.value = id;
  saveOpenConversation(id);
}

export async function refreshConversations(): Promise<void> {
  conversations.value = await listConversations();
}

/** Asks a new question (ignored while an answer is streaming). */
export function ask(question: string): void {
  if (isBusy()) return;
  messages.value = [
    ...messages.value.map((m) => (m.retry ? { ...m, retry: undefined } : m)),
    { key: nextKey++, role: 'user', text: question },
    answer({ question }),
  ];
}

/** Resumes a failed answer from its stream (never asks again). */
export function retry(key: number): void {
  const failed = messages.value.find((m) => m.key === key);
  if (!failed?.retry || isBusy()) return;
  const { question, streamId } = failed.retry;
  messages.value = messages.value.map((m) => (m.key === key ? answer({ question, resume: streamId }) : m));
  connection.value = { state: 'connecting', attempt: 0 };
}

export function finish(key: number, text: string, reason: string): void {
  update(key, { text, reason, status: 'done', source: undefined });
  setActive(undefined);
  void refreshConversations();
}

export function fail(key: number, text: string, error: StreamError | undefined, streamId?: string): void {
  const question = messages.value.find((m) => m.key === key)?.source?.question ?? '';
  update(key, {
    text,
    status: 'failed',
    reason: error?.message ?? 'the connection failed',
    source: undefined,
    retry: streamId ? { question, streamId } : undefined,
  });
  setActive(undefined);
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

export function newChat(): void {
  leaveActive();
  messages.value = [];
  setConversation(null);
  connection.value = { state: 'idle', attempt: 0 };
}

/** Shows a stored conversation; false if it cannot be loaded. */
export async function openConversation(id: string): Promise<boolean> {
  const stored = await loadConversation(id);
  if (!stored) return false;
  setConversation(id);
  connection.value = { state: 'idle', attempt: 0 };
  messages.value = stored.map((m) => ({
    key: nextKey++,
    role: m.role,
    text: m.content,
    ...(m.role === 'assistant'
      ? { status: 'done' as const, reason: m.complete ? 'stop' : 'incomplete' }
      : {}),
  }));
  return true;
}

/** Switches to a stored conversation (the sidebar). */
export async function showConversation(id: string): Promise<void> {
  leaveActive();
  await openConversation(id);
}

/**
 * After a reload mid-answer: shows the conversation before the running question (when the
 * server keeps history), then the question and its answer, resumed from the stream.
 */
export async function resumeRunning(running: RunningStream): Promise<void> {
  if (running.conversationId && (await openConversation(running.conversationId))) {
    const list = messages.value;
    let cut = list.length;
    while (cut > 0 && !(list[cut - 1]!.role === 'user' && list[cut - 1]!.text === running.question)) cut--;
    messages.value = list.slice(0, cut > 0 ? cut - 1 : list.length);
  }
  setConversation(running.conversationId);
  messages.value = [
    ...messages.value,
    { key: nextKey++, role: 'user', text: running.question },
    answer({ question: running.question, resume: running.streamId }),
  ];
}
