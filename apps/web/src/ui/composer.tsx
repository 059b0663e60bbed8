/**
 * The question box: Enter sends, Shift+Enter makes a new line; Send becomes Stop while an
 * answer streams (Escape in the box stops too). What is being typed is kept in localStorage,
 * so a reload (or a closed tab) does not lose it.
 * @module
 */
import { useEffect, useRef } from 'preact/hooks';
import { startImage } from '../chat/image-task.ts';
import { ask, isBusy, stop } from '../chat/state.ts';

const INPUT_ID = 'question';
const DRAFT = 'tidewire.draft';

/** Puts the caret back in the question box when the focused control went away (Stop, Retry). */
export function focusComposerIfLost(): void {
  queueMicrotask(() => {
    if (!document.activeElement || document.activeElement === document.body) {
      document.getElementById(INPUT_ID)?.focus();
    }
  });
}

function saveDraft(text: string): void {
  try {
    if (text) localStorage.setItem(DRAFT, text);
    else localStorage.removeItem(DRAFT);
  } catch {
    // Storage full or disabled: the draft is not kept across a reload, nothing else breaks.
  }
}

function loadDraft(): string {
  try {
    return localStorage.getItem(DRAFT) ?? '';
  } catch {
    return '';
  }
}

export function Composer() {
  const input = useRef<HTMLTextAreaElement>(null);
  const busy = isBusy();
  useEffect(() => {
    input.current!.value = loadDraft();
  }, []);
  const send = () => {
    const text = input.current!.value.trim();
    const image = /^\/image\s+(\S[\s\S]*)$/.exec(text);
    if (!text || (busy && !image)) return;
    input.current!.value = '';
    saveDraft('');
    if (image) startImage(image[1]!);
    else ask(text);
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label for={INPUT_ID} class="visually-hidden">
        Your question
      </label>
      <p id="question-keys" class="keys">
        Enter sends · Shift+Enter adds a line · Escape stops the answer · /image PROMPT draws a picture
      </p>
      <textarea
        id={INPUT_ID}
        ref={input}
        rows={1}
        dir="auto"
        autofocus
        placeholder="Ask anything"
        aria-describedby="question-keys"
        onInput={(e) => saveDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === 'Escape' && busy) {
            e.preventDefault();
            void stop();
          }
        }}
      />
      {busy ? (
        <button type="button" class="stop" onClick={() => void stop()}>
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
