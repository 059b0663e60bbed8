/**
 * The message thread: questions, answers, and a note under an answer that was stopped,
 * ended with an error, or lost its connection (Retry is in the connection status).
 * @module
 */
import { useEffect, useRef } from 'preact/hooks';
import { type Message, messages } from '../chat/state.ts';
import { Answer } from './answer.tsx';

function Note({ message }: { message: Message }) {
  if (message.status === 'failed') {
    return (
      <p class="note error">
        The answer stopped arriving: {message.reason}.
        {message.retry && ' Retry (below) picks it up where it stopped.'}
      </p>
    );
  }
  if (message.reason === 'cancelled') return <p class="note">Stopped.</p>;
  if (message.reason === 'error') return <p class="note error">The answer ended with an error.</p>;
  if (message.reason === 'incomplete') return <p class="note">This answer was interrupted.</p>;
  if (message.reason === 'length') return <p class="note">The answer reached its length limit.</p>;
  return null;
}

export function Thread() {
  const list = useRef<HTMLOListElement>(null);
  const count = messages.value.length;
  // A new question (or a conversation opened) scrolls to the end; a streaming answer then
  // follows by itself while the reader stays at the bottom (AnswerStream).
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [count]);
  if (count === 0) {
    return (
      <div class="empty">
        <h1>tidewire</h1>
        <p>Ask anything. Answers keep streaming through dropped connections and page reloads.</p>
      </div>
    );
  }
  return (
    <ol class="thread" aria-label="Conversation" ref={list}>
      {messages.value.map((m) => (
        <li key={m.key} class={`message ${m.role}`}>
          <span class="visually-hidden">{m.role === 'user' ? 'You asked:' : 'Answer:'}</span>
          {m.role === 'user' ? (
            <div class="bubble" dir="auto">
              {m.text}
            </div>
          ) : (
            <Answer message={m} />
          )}
          <Note message={m} />
        </li>
      ))}
    </ol>
  );
}
