/**
 * The chat page: conversation list, thread, composer, connection state. Components and
 * signals for the frame; the streaming answer itself is drawn imperatively by `AnswerStream`
 * so no framework work happens per token. After a reload mid-answer it resumes the stream.
 * @module
 */
import { signal } from '@preact/signals';
import type { ConsumerState } from '@tidewire/client';
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { AnswerStream } from './chat/answer-stream.ts';
import { type ConversationSummary, cancelStream, listConversations, loadConversation } from './chat/api.ts';
import { loadRunning } from './chat/running-stream.ts';
import { renderMarkdown } from './markdown/render-block.ts';

interface Message {
  key: number;
  role: 'user' | 'assistant';
  text: string;
  /** Set while the answer streams (its id, for Stop and Retry). */
  streaming?: { question: string; resume?: string };
  /** `stop`, `length`, `cancelled`, `error` once finished. */
  reason?: string;
}

interface Connection {
  state: ConsumerState | 'idle';
  attempt: number;
  message?: string;
}

const messages = signal<Message[]>([]);
const connection = signal<Connection>({ state: 'idle', attempt: 0 });
const conversationId = signal<string | null>(null);
const conversations = signal<ConversationSummary[] | undefined>(undefined);
const theme = signal<'light' | 'dark' | 'auto'>(
  (localStorage.getItem('tidewire.theme') as 'light' | 'dark') ?? 'auto',
);
let active: AnswerStream | undefined;
let nextKey = 1;

function applyTheme(): void {
  if (theme.value === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme.value;
}

async function refreshConversations(): Promise<void> {
  conversations.value = await listConversations();
}

function ask(question: string, resume?: string): void {
  active?.close();
  messages.value = [
    ...messages.value,
    ...(resume && messages.value.at(-1)?.role === 'user'
      ? []
      : [{ key: nextKey++, role: 'user' as const, text: question }]),
    { key: nextKey++, role: 'assistant', text: '', streaming: { question, resume } },
  ];
}

function finishAnswer(key: number, text: string, reason: string): void {
  messages.value = messages.value.map((m) =>
    m.key === key ? { ...m, text, reason, streaming: undefined } : m,
  );
  active = undefined;
  void refreshConversations();
}

function StreamingAnswer({ message }: { message: Message }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const start = message.streaming!;
    const stream = new AnswerStream(
      ref.current!,
      {
        question: start.question,
        conversationId: conversationId.value,
        resume: start.resume ? { streamId: start.resume } : undefined,
      },
      {
        onState: (state, attempt, error) => {
          connection.value = { state, attempt, message: error?.message };
          if (state === 'failed' && stream.streamId) {
            messages.value = messages.value.map((m) =>
              m.key === message.key ? { ...m, streaming: { ...start, resume: stream.streamId } } : m,
            );
          }
        },
        onConversation: (id) => {
          conversationId.value = id;
        },
        onFinished: (text, reason) => finishAnswer(message.key, text, reason),
      },
    );
    active = stream;
    void stream.start();
    return () => stream.close();
  }, [message.key]);
  return (
    <div
      ref={ref}
      class="answer markdown"
      dir="auto"
      aria-live="polite"
      aria-busy="true"
      data-testid="answer"
    />
  );
}

function FinishedAnswer({ message }: { message: Message }) {
  const html = renderMarkdown(message.text);
  return (
    <div
      class="answer markdown"
      dir="auto"
      data-testid="answer"
      data-raw={message.text}
      data-state={message.reason}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown escapes raw HTML and sanitizes with DOMPurify
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

function Thread() {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [messages.value.length]);
  if (messages.value.length === 0) {
    return (
      <div class="empty">
        <h1>tidewire</h1>
        <p>Ask anything. Answers keep streaming through dropped connections and page reloads.</p>
      </div>
    );
  }
  return (
    <ol class="thread" aria-label="Conversation">
      {messages.value.map((m) => (
        <li key={m.key} class={`message ${m.role}`}>
          <span class="visually-hidden">{m.role === 'user' ? 'You said:' : 'Answer:'}</span>
          {m.role === 'user' ? (
            <div class="bubble" dir="auto">
              {m.text}
            </div>
          ) : m.streaming ? (
            <StreamingAnswer message={m} />
          ) : (
            <FinishedAnswer message={m} />
          )}
          {m.reason === 'cancelled' && <p class="note">Stopped.</p>}
          {m.reason === 'error' && <p class="note error">The answer ended with an error.</p>}
        </li>
      ))}
      <div ref={end} />
    </ol>
  );
}

function ConnectionStatus() {
  const { state, attempt, message } = connection.value;
  const streaming = messages.value.find((m) => m.streaming);
  const label: Record<string, string> = {
    connecting: 'Connecting…',
    streaming: 'Streaming',
    reconnecting: `Reconnecting (attempt ${attempt})…`,
    offline: 'Offline: waiting for the network…',
    failed: `Connection failed${message ? `: ${message}` : ''}`,
  };
  if (!label[state]) return <div class="status" role="status" aria-live="polite" />;
  const retry = () => {
    if (!streaming?.streaming?.resume) return;
    messages.value = messages.value.filter((m) => m !== streaming);
    ask(streaming.streaming.question, streaming.streaming.resume);
    connection.value = { state: 'connecting', attempt: 0 };
  };
  return (
    <div class={`status ${state}`} role="status" aria-live="polite" data-testid="status">
      <span class="dot" aria-hidden="true" />
      {label[state]}
      {state === 'failed' && streaming?.streaming?.resume && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

function Composer() {
  const input = useRef<HTMLTextAreaElement>(null);
  const busy = messages.value.some((m) => m.streaming);
  const send = () => {
    const text = input.current!.value.trim();
    if (!text || busy) return;
    input.current!.value = '';
    ask(text);
  };
  const stop = async () => {
    const id = active?.streamId;
    if (id) await cancelStream(id);
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label for="question" class="visually-hidden">
        Your question
      </label>
      <textarea
        id="question"
        ref={input}
        rows={1}
        dir="auto"
        placeholder="Ask anything (Enter sends, Shift+Enter for a new line)"
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      {busy ? (
        <button type="button" class="stop" onClick={stop}>
          Stop
        </button>
      ) : (
        <button type="submit" class="send">
          Send
        </button>
      )}
    </form>
  );
}

async function openConversation(id: string): Promise<void> {
  active?.close();
  const stored = await loadConversation(id);
  if (!stored) return;
  conversationId.value = id;
  connection.value = { state: 'idle', attempt: 0 };
  messages.value = stored.map((m) => ({
    key: nextKey++,
    role: m.role,
    text: m.content,
    reason: m.role === 'assistant' && !m.complete ? 'error' : undefined,
  }));
}

function Sidebar() {
  const cycleTheme = () => {
    theme.value = theme.value === 'auto' ? 'dark' : theme.value === 'dark' ? 'light' : 'auto';
    if (theme.value === 'auto') localStorage.removeItem('tidewire.theme');
    else localStorage.setItem('tidewire.theme', theme.value);
    applyTheme();
  };
  const newChat = () => {
    active?.close();
    messages.value = [];
    conversationId.value = null;
    connection.value = { state: 'idle', attempt: 0 };
  };
  return (
    <nav class="sidebar" aria-label="Conversations">
      <button type="button" class="new" onClick={newChat}>
        + New chat
      </button>
      {conversations.value === undefined ? (
        <p class="muted">History is not available.</p>
      ) : (
        <ul>
          {conversations.value.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class={c.id === conversationId.value ? 'current' : ''}
                dir="auto"
                onClick={() => openConversation(c.id)}
              >
                {c.title}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="theme" onClick={cycleTheme} aria-label={`Theme: ${theme.value}`}>
        Theme: {theme.value}
      </button>
    </nav>
  );
}

function App() {
  return (
    <div class="layout">
      <Sidebar />
      <main class="main">
        <Thread />
        <ConnectionStatus />
        <Composer />
      </main>
    </div>
  );
}

/** Copy buttons of code blocks (delegated: rendered blocks carry no handlers). */
document.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest('button.copy');
  const code = button?.closest('.code-block')?.querySelector('code');
  if (!button || !code) return;
  void navigator.clipboard?.writeText(code.textContent ?? '').then(() => {
    button.textContent = 'Copied';
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  });
});

applyTheme();
const running = loadRunning();
if (running) {
  conversationId.value = running.conversationId;
  ask(running.question, running.streamId);
}
void refreshConversations();
render(<App />, document.getElementById('app')!);
