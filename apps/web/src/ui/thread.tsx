/**
 * The message thread (the branch shown): questions (each with Edit, which sends the edited
 * question as a new branch), answers (with Copy, Regenerate and their versions), and a note
 * under an answer that was stopped, ended with an error, or lost its connection (Retry is in
 * the connection status). Messages off screen are skipped by the browser's layout
 * (`content-visibility`), so a long conversation stays smooth.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { edit, type Message, messages } from '../chat/state.ts';
import { Answer } from './answer.tsx';
import { focusComposerIfLost } from './composer.tsx';
import { AnswerActions, QuestionActions } from './message-actions.tsx';

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

/** Edits a sent question in place: Enter (or Send) sends it as a new branch, Escape cancels. */
function EditQuestion({ message, onDone }: { message: Message; onDone: () => void }) {
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    box.current?.focus();
  }, []);
  const send = () => {
    const text = box.current!.value.trim();
    if (text) void edit(message.key, text);
    onDone();
  };
  return (
    <form
      class="edit"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={box}
        aria-label="Edit the question"
        dir="auto"
        rows={3}
        defaultValue={message.text}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
      />
      <div class="edit-buttons">
        <button type="button" class="act" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="act primary">
          Send
        </button>
      </div>
    </form>
  );
}

function Question({ message }: { message: Message }) {
  const [editing, setEditing] = useState(false);
  const done = () => {
    setEditing(false);
    focusComposerIfLost();
  };
  if (editing) return <EditQuestion message={message} onDone={done} />;
  return (
    <>
      <div class="bubble" dir="auto">
        {message.text}
      </div>
      <QuestionActions message={message} onEdit={() => setEditing(true)} />
    </>
  );
}

export function Thread() {
  const list = useRef<HTMLOListElement>(null);
  const shown = messages.value;
  const last = shown.at(-1)?.key;
  // A new question (or a conversation or version opened) scrolls to the end; a streaming
  // answer then follows by itself while the reader stays at the bottom (AnswerStream).
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [shown.length, last]);
  if (shown.length === 0) {
    return (
      <div class="empty">
        <h2>tidewire</h2>
        <p>Ask anything. Answers keep streaming through dropped connections and page reloads.</p>
      </div>
    );
  }
  return (
    <ol class="thread" aria-label="Conversation" ref={list}>
      {shown.map((m) => (
        <li key={m.key} class={`message ${m.role}`}>
          <span class="visually-hidden">{m.role === 'user' ? 'You asked:' : 'Answer:'}</span>
          {m.role === 'user' ? (
            <Question message={m} />
          ) : (
            <>
              <Answer message={m} />
              <Note message={m} />
              <AnswerActions message={m} />
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
